import { DiffBattError } from './errors.js';

/**
 * A minimal reader of the protobuf wire format, enough for the TensorFlow messages our readers need
 * (Keras SavedModel weights: BundleEntryProto, TrackableObjectGraph, SavedMetadata; tf.data snapshots:
 * SnapshotMetadataRecord, TensorProto). It decodes fields by number without a schema; each message type
 * names the fields it reads.
 */

/** Where a message came from, for error messages: the file and what was being read. */
export interface ProtoSource {
  file: string;
  what: string;
}

export type ProtoField =
  | { field: number; kind: 'varint'; value: number }
  | { field: number; kind: 'fixed64'; value: Uint8Array }
  | { field: number; kind: 'bytes'; value: Uint8Array }
  | { field: number; kind: 'fixed32'; value: number };

const MAX_VARINT_BYTES = 10;

/**
 * Reads a base-128 varint at `pos` with int64 semantics (a 10-byte encoding of a negative number comes
 * back negative). Returns undefined when the bytes end inside it; throws when it is longer than 10
 * bytes or does not fit a double exactly, since a wrong offset or size would read wrong tensors.
 */
export function readVarint(bytes: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let low = 0; // the first 28 bits, exact in plain number arithmetic
  let big = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (pos + i >= bytes.length) return undefined;
    const byte = bytes[pos + i]!;
    if (i < 4) low |= (byte & 0x7f) << (7 * i);
    else big |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (byte < 0x80) {
      if (i < 4) return { value: low >>> 0, next: pos + i + 1 };
      const value = BigInt.asIntN(64, big | BigInt(low >>> 0));
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new RangeError(`varint ${value} at byte ${pos} is too large to use as an offset or size`);
      }
      return { value: Number(value), next: pos + i + 1 };
    }
  }
  throw new RangeError(`varint at byte ${pos} is longer than ${MAX_VARINT_BYTES} bytes`);
}

/** `readVarint` that turns a truncated or oversized varint into the caller's error. */
export function expectVarint(
  bytes: Uint8Array,
  pos: number,
  fail: (problem: string) => Error,
): { value: number; next: number } {
  try {
    const read = readVarint(bytes, pos);
    if (read === undefined) throw fail(`truncated varint at byte ${pos} of ${bytes.length}`);
    return read;
  } catch (error) {
    if (error instanceof RangeError) throw fail(error.message);
    throw error;
  }
}

/** Splits a message into its fields, in wire order (repeated fields appear once per element). */
export function decodeFields(bytes: Uint8Array, source: ProtoSource): ProtoField[] {
  const fail = (problem: string) =>
    new DiffBattError(`${source.what}: ${problem} (not a valid protobuf message)`, { file: source.file });
  const varintAt = (pos: number) => expectVarint(bytes, pos, fail);
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const tag = varintAt(pos);
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (field === 0) throw fail(`field number 0 at byte ${pos}`);
    const take = (length: number) => {
      if (length < 0 || pos + length > bytes.length) {
        throw fail(`field ${field} needs ${length} bytes at byte ${pos}, only ${bytes.length - pos} left`);
      }
      const value = bytes.subarray(pos, pos + length);
      pos += length;
      return value;
    };
    switch (wireType) {
      case 0: {
        const read = varintAt(pos);
        pos = read.next;
        fields.push({ field, kind: 'varint', value: read.value });
        break;
      }
      case 1:
        fields.push({ field, kind: 'fixed64', value: take(8) });
        break;
      case 2: {
        const length = varintAt(pos);
        pos = length.next;
        fields.push({ field, kind: 'bytes', value: take(length.value) });
        break;
      }
      case 5: {
        const value = take(4);
        fields.push({
          field,
          kind: 'fixed32',
          value: new DataView(value.buffer, value.byteOffset).getUint32(0, true),
        });
        break;
      }
      default:
        throw fail(`unsupported wire type ${wireType} for field ${field}`);
    }
  }
  return fields;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A decoded message with typed accessors; a field with an unexpected wire type is an error. */
export class ProtoMessage {
  readonly fields: readonly ProtoField[];

  constructor(
    bytes: Uint8Array,
    readonly source: ProtoSource,
  ) {
    this.fields = decodeFields(bytes, source);
  }

  /** A varint field (last occurrence wins, as in protobuf); `fallback` when absent. */
  int(field: number, fallback = 0): number {
    const last = this.last(field, 'varint');
    return last === undefined ? fallback : last.value;
  }

  fixed32(field: number): number | undefined {
    return this.last(field, 'fixed32')?.value;
  }

  bytes(field: number): Uint8Array | undefined {
    return this.last(field, 'bytes')?.value;
  }

  string(field: number, fallback = ''): string {
    const bytes = this.bytes(field);
    return bytes === undefined ? fallback : this.decodeUtf8(bytes, field);
  }

  /** Every occurrence of a repeated length-delimited field, as strings. */
  strings(field: number): string[] {
    return this.all(field, 'bytes').map((f) => this.decodeUtf8(f.value, field));
  }

  message(field: number, what: string): ProtoMessage | undefined {
    const bytes = this.bytes(field);
    return bytes === undefined ? undefined : new ProtoMessage(bytes, this.child(what));
  }

  /** Every occurrence of a repeated message field; `what` names one element in error messages. */
  messages(field: number, what: string): ProtoMessage[] {
    return this.all(field, 'bytes').map((f, i) => new ProtoMessage(f.value, this.child(`${what} ${i}`)));
  }

  private child(what: string): ProtoSource {
    return { file: this.source.file, what: `${this.source.what} > ${what}` };
  }

  private decodeUtf8(bytes: Uint8Array, field: number): string {
    try {
      return utf8.decode(bytes);
    } catch {
      throw new DiffBattError(`${this.source.what}: field ${field} is not valid UTF-8 text`, {
        file: this.source.file,
      });
    }
  }

  private all<K extends ProtoField['kind']>(field: number, kind: K): Extract<ProtoField, { kind: K }>[] {
    const matching = this.fields.filter((f) => f.field === field);
    for (const f of matching) {
      if (f.kind !== kind) {
        throw new DiffBattError(`${this.source.what}: field ${field} is ${f.kind}, expected ${kind}`, {
          file: this.source.file,
        });
      }
    }
    return matching as Extract<ProtoField, { kind: K }>[];
  }

  private last<K extends ProtoField['kind']>(
    field: number,
    kind: K,
  ): Extract<ProtoField, { kind: K }> | undefined {
    const all = this.all(field, kind);
    return all[all.length - 1];
  }
}
