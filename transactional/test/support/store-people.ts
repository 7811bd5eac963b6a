import { expect } from 'vitest';

/** A person of the store, as the tests create them (passwords and PINs are test values). */
export interface Person {
  readonly username: string;
  readonly name: string;
  readonly role: 'manager' | 'cashier';
  readonly password: string;
  readonly pin: string;
  readonly maxDiscountBp?: number;
}

export const MANAGER: Person = { username: 'morgan', name: 'Morgan Manager', role: 'manager', password: 'manager password 1', pin: '4826' };
export const CASHIER: Person = { username: 'casey', name: 'Casey Cashier', role: 'cashier', password: 'cashier password 1', pin: '1357', maxDiscountBp: 1000 };

/** Creates people through the API, as an owner's script would (a bearer API token). */
export async function addPeople(url: string, ownerToken: string, people: readonly Person[]): Promise<void> {
  for (const p of people) {
    const res = await fetch(`${url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}` },
      body: JSON.stringify({
        username: p.username,
        displayName: p.name,
        role: p.role,
        password: p.password,
        pin: p.pin,
        ...(p.maxDiscountBp === undefined ? {} : { maxDiscountBp: p.maxDiscountBp }),
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  }
}
