/**
 * Item size by DynamoDB's documented rules ("Item sizes and formats"): the sum over attributes of
 * the UTF-8 length of the name plus the size of the value. Strings: UTF-8 bytes; binary: bytes;
 * numbers: about one byte per two significant digits plus one; booleans and null: 1 byte;
 * lists and maps: 3 bytes plus 1 byte per element plus the elements; sets: the sum of their members.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Bytes DynamoDB counts for a number given as text: ceil(significant digits / 2) + 1, one more if negative. */
export function numberSize(text: string): number {
  const negative = text.trim().startsWith('-');
  const [mantissa = '0'] = text.trim().replace(/^[-+]/, '').toLowerCase().split('e');
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1 + (negative ? 1 : 0);
}

/** Bytes DynamoDB counts for one attribute value. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((total, member) => total + utf8(member), 0);
  if (value.NS !== undefined) return value.NS.reduce((total, member) => total + numberSize(member), 0);
  if (value.BS !== undefined) return value.BS.reduce((total, member) => total + member.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((total, element) => total + 1 + valueSize(element), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((total, [name, element]) => total + 1 + utf8(name) + valueSize(element), 0);
  }
  return 0;
}

/** Bytes DynamoDB counts for an item: attribute names plus values. */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((total, [name, value]) => total + utf8(name) + valueSize(value), 0);
}
