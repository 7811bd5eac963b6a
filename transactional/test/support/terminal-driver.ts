import type { Page } from 'playwright-core';

/** A cashier at the terminal, driven through the page as a person (or a scanner) would. */
export class TerminalDriver {
  constructor(readonly page: Page) {}

  /** A manager makes this browser a till (password once), as at installation. */
  async enroll(manager: { username: string; password: string }, name = 'Till 1') {
    await this.page.getByLabel('Manager username').fill(manager.username);
    await this.page.getByLabel('Password').fill(manager.password);
    await this.page.getByLabel('Till name').fill(name);
    await this.page.getByRole('button', { name: 'Enroll this till' }).click();
    await this.page.getByLabel('PIN', { exact: true }).waitFor();
  }

  /** A cashier signs in (or takes over the till) with their PIN. */
  async signIn(person: { username: string; pin: string }) {
    await this.page.getByLabel('Username', { exact: true }).fill(person.username);
    await this.page.getByLabel('PIN', { exact: true }).fill(person.pin);
    await this.page.getByLabel('PIN', { exact: true }).press('Enter');
  }

  /** A keyboard-wedge scanner: digits typed fast, then Enter, wherever the focus is. */
  async scan(code: string, expectAdded = true) {
    const before = await this.total();
    const lines = await this.page.getByTestId('cart-line').count();
    await this.page.keyboard.type(code);
    await this.page.keyboard.press('Enter');
    if (!expectAdded) return;
    // The line is on screen before the next key: wait for it rather than race the render (up to 10 s:
    // a loaded CI machine has taken over 2 s to answer a scan from the catalog worker).
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if ((await this.total()) !== before || (await this.page.getByTestId('cart-line').count()) !== lines) return;
      await this.page.waitForTimeout(20);
    }
    throw new Error(`scanning ${code} added nothing; the terminal says: ${await this.message()}`);
  }

  async search(text: string) {
    const lines = await this.page.getByTestId('cart-line').count();
    const box = this.page.getByLabel('Scan or search (name, SKU, code)');
    await box.click();
    await box.pressSequentially(text, { delay: 60 });
    await this.page.getByRole('option').first().waitFor();
    await box.press('Enter');
    await this.page.getByTestId('cart-line').nth(lines).waitFor();
  }

  message() {
    return this.page.getByTestId('message').textContent();
  }

  /** Pays with the given tenders (amounts in minor units) and returns the receipt's total text. */
  async pay(tenders: Array<{ kind: 'cash' | 'card'; amount: number; ref?: string; last4?: string }>, opts: { stayOnReceipt?: boolean } = {}) {
    await this.page.getByTestId('pay').click();
    const amount = this.page.getByLabel('Amount');
    await amount.waitFor({ timeout: 5_000 }).catch(async (e: unknown) => {
      throw new Error(`no payment screen; the terminal says: ${await this.message()} (${(e as Error).message})`);
    });
    for (const t of tenders) {
      await amount.fill((t.amount / 100).toFixed(2));
      if (t.kind === 'card') {
        await this.page.getByLabel('Card terminal ref.').fill(t.ref ?? 'T1');
        await this.page.getByLabel('Card last 4 digits').fill(t.last4 ?? '4242');
        await this.page.getByRole('button', { name: 'Card', exact: true }).click();
      } else {
        await this.page.getByRole('button', { name: 'Cash', exact: true }).click();
      }
    }
    await this.page.getByTestId('complete').click();
    await this.page.getByTestId('receipt').waitFor();
    const id = (await this.page.getByTestId('receipt-id').textContent())?.trim() ?? '';
    if (!opts.stayOnReceipt) await this.page.getByTestId('new-sale').click();
    return id;
  }

  async total(): Promise<number> {
    return parseMoney((await this.page.getByTestId('total').textContent()) ?? '');
  }
}

/** "€1,234.56" or "-€3.20" -> minor units. */
export function parseMoney(text: string): number {
  const negative = /-|−/.test(text);
  const digits = text.replace(/[^0-9]/g, '');
  return (negative ? -1 : 1) * Number(digits || '0');
}
