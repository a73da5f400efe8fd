/**
 * Builds DynamoDB update expressions with placeholders, so no attribute name or value is ever
 * spliced into an expression.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** A DynamoDB item in the SDK's attribute-value form. */
export type Item = Record<string, AttributeValue>;

/** A number attribute value. */
export const n = (value: number): AttributeValue => ({ N: String(value) });
/** A string attribute value. */
export const s = (value: string): AttributeValue => ({ S: value });

/** Collects SET / REMOVE / ADD actions and the names and values they use. */
export class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Item = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private counter = 0;

  /** The placeholder of an attribute name (declared on use: DynamoDB rejects unused names). */
  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }
  /** A fresh placeholder for a value. */
  value(value: AttributeValue): string {
    const placeholder = `:v${this.counter++}`;
    this.values[placeholder] = value;
    return placeholder;
  }
  /** `SET attribute = expression`. */
  set(attribute: string, expression: string): this {
    this.sets.push(`${this.name(attribute)} = ${expression}`);
    return this;
  }
  /** `REMOVE attribute`. */
  remove(attribute: string): this {
    this.removes.push(this.name(attribute));
    return this;
  }
  /** `ADD attribute value` (a number: creates it at the value, or adds to it). */
  add(attribute: string, value: AttributeValue): this {
    this.adds.push(`${this.name(attribute)} ${this.value(value)}`);
    return this;
  }
  /** The whole update expression. */
  expression(): string {
    const parts: string[] = [];
    if (this.sets.length) parts.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length) parts.push(`REMOVE ${this.removes.join(', ')}`);
    if (this.adds.length) parts.push(`ADD ${this.adds.join(', ')}`);
    return parts.join(' ');
  }
}
