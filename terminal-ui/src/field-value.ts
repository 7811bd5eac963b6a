import { noChange, type ReactiveElement } from 'lit';
import { Directive, directive, type PartInfo, PartType, type PropertyPart } from 'lit/directive.js';
import { setCommittedValue } from 'lit/directive-helpers.js';

type Field = HTMLInputElement | HTMLTextAreaElement;

/**
 * Like lit's `live()` for a field's `.value`: the field shows the bound value, even after someone
 * typed something the till did not take (a refused discount goes back to what applies). Unlike
 * `live()`, it leaves the field alone while it has the focus: the till re-renders every second or
 * so while it is offline or has sales waiting, and that must not wipe what the cashier is typing.
 * When the field loses the focus, its element renders again and the field shows the bound value.
 */
class FieldValue extends Directive {
  #watching = false;

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.PROPERTY) throw new Error('fieldValue() is for a .value binding');
  }

  render(value: string): string {
    return value;
  }

  override update(part: PropertyPart, [value]: [string]) {
    const field = part.element as Field;
    if (!this.#watching) {
      this.#watching = true;
      const host = part.options?.host as ReactiveElement | undefined;
      field.addEventListener('blur', () => host?.requestUpdate());
    }
    if (field.value === value || field.matches(':focus')) return noChange;
    // The part remembers what it last set: forget it, so the same value is set again.
    setCommittedValue(part);
    return value;
  }
}

export const fieldValue = directive(FieldValue);
