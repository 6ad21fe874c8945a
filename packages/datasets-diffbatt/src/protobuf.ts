/**
 * Just enough of the protobuf wire format to read `snapshot.metadata` and `TensorProto`: iterate the
 * fields of a message. Lengths and varints are bounds-checked so a damaged file gives an error, not garbage.
 */
export type ProtoField =
  | { number: number; wireType: 0; value: bigint }
  /** Length-delimited (2) or fixed 64/32-bit (1/5) fields: their raw bytes. */
  | { number: number; wireType: 1 | 2 | 5; bytes: Uint8Array };

export class ProtoError extends Error {}

export function readVarint(bytes: Uint8Array, position: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let at = position; at < bytes.length && shift < 70n; at++) {
    const byte = bytes[at]!;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: at + 1 };
    shift += 7n;
  }
  throw new ProtoError(`truncated or overlong varint at byte ${position}`);
}

export function* protoFields(bytes: Uint8Array): Generator<ProtoField> {
  let position = 0;
  while (position < bytes.length) {
    const key = readVarint(bytes, position);
    position = key.next;
    const number = Number(key.value >> 3n);
    const wireType = Number(key.value & 7n);
    if (wireType === 0) {
      const varint = readVarint(bytes, position);
      position = varint.next;
      yield { number, wireType, value: varint.value };
    } else if (wireType === 2) {
      const length = readVarint(bytes, position);
      const end = length.next + Number(length.value);
      if (end > bytes.length) throw new ProtoError(`field ${number} runs past the end of its message`);
      yield { number, wireType, bytes: bytes.subarray(length.next, end) };
      position = end;
    } else if (wireType === 1 || wireType === 5) {
      const end = position + (wireType === 1 ? 8 : 4);
      if (end > bytes.length) throw new ProtoError(`field ${number} runs past the end of its message`);
      yield { number, wireType, bytes: bytes.subarray(position, end) };
      position = end;
    } else {
      throw new ProtoError(`unsupported wire type ${wireType} for field ${number}`);
    }
  }
}
