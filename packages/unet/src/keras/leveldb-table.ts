import { crc32c, DiffBattError, expectVarint, maskCrc } from '@diffbatt/core';

/**
 * A reader for the LevelDB table format ("SSTable") that TensorFlow uses for a checkpoint's
 * `variables.index`: data blocks of prefix-compressed key/value entries followed by a restart array,
 * an index block pointing at the data blocks, and a 48-byte footer. TensorFlow writes these tables
 * uncompressed, so a block compressed with snappy is refused by name rather than misread.
 */

export interface TableEntry {
  key: string;
  value: Uint8Array;
}

const FOOTER_LENGTH = 48;
const BLOCK_TRAILER_LENGTH = 5; // compression type byte + masked CRC-32C
const MAGIC_LOW = 0x8b80fb57; // kTableMagicNumber 0xdb4775248b80fb57, little-endian halves
const MAGIC_HIGH = 0xdb477524;
const COMPRESSION_NAMES: Record<number, string> = { 1: 'snappy', 2: 'zlib', 3: 'lz4', 4: 'zstd' };

interface BlockHandle {
  offset: number;
  size: number;
}

const latin1 = new TextDecoder('latin1');

/** Reads every entry of a table, in key order. `file` names it in error messages. */
export function readLevelDbTable(bytes: Uint8Array, file: string): TableEntry[] {
  const fail = (problem: string) =>
    new DiffBattError(`${problem} (not a valid TensorFlow index table)`, { file });
  if (bytes.length < FOOTER_LENGTH) {
    throw fail(`file is ${bytes.length} bytes, shorter than the ${FOOTER_LENGTH}-byte table footer`);
  }
  const footerStart = bytes.length - FOOTER_LENGTH;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    view.getUint32(bytes.length - 8, true) !== MAGIC_LOW ||
    view.getUint32(bytes.length - 4, true) !== MAGIC_HIGH
  ) {
    throw fail('bad magic number at the end of the file (truncated, or not a table)');
  }
  const footer = bytes.subarray(footerStart, bytes.length - 8);
  const readHandle = (pos: number, what: string): { handle: BlockHandle; next: number } => {
    const failHere = (problem: string) => fail(`${what} handle in the footer: ${problem}`);
    const offset = expectVarint(footer, pos, failHere);
    const size = expectVarint(footer, offset.next, failHere);
    const handle = { offset: offset.value, size: size.value };
    if (handle.offset + handle.size + BLOCK_TRAILER_LENGTH > footerStart) {
      throw fail(
        `${what} block at ${handle.offset} (+${handle.size}) runs past the footer at ${footerStart}`,
      );
    }
    return { handle, next: size.next };
  };
  const metaindex = readHandle(0, 'metaindex');
  const index = readHandle(metaindex.next, 'index');

  const block = (handle: BlockHandle, what: string) => {
    const contents = bytes.subarray(handle.offset, handle.offset + handle.size);
    const type = bytes[handle.offset + handle.size]!;
    const stored = view.getUint32(handle.offset + handle.size + 1, true);
    const actual = maskCrc(crc32c(bytes.subarray(handle.offset, handle.offset + handle.size + 1)));
    if (stored !== actual) throw fail(`${what} at byte ${handle.offset}: checksum mismatch (file corrupted)`);
    if (type !== 0) {
      const name = COMPRESSION_NAMES[type] ?? `unknown type ${type}`;
      throw fail(
        `${what} at byte ${handle.offset} is ${name}-compressed; only uncompressed tables are supported`,
      );
    }
    return decodeBlock(contents, `${what} at byte ${handle.offset}`, fail);
  };

  const entries: TableEntry[] = [];
  for (const { key, value } of block(index.handle, 'index block')) {
    const failHere = (problem: string) => fail(`index entry "${key}": ${problem}`);
    const handle = expectVarint(value, 0, failHere);
    const size = expectVarint(value, handle.next, failHere);
    const dataHandle = { offset: handle.value, size: size.value };
    if (dataHandle.offset + dataHandle.size + BLOCK_TRAILER_LENGTH > footerStart) {
      throw fail(`data block at ${dataHandle.offset} (+${dataHandle.size}) runs past the end of the data`);
    }
    for (const entry of block(dataHandle, 'data block')) {
      const previous = entries[entries.length - 1];
      if (previous !== undefined && previous.key >= entry.key) {
        throw fail(`keys out of order: "${entry.key}" follows "${previous.key}"`);
      }
      entries.push(entry);
    }
  }
  return entries;
}

/** Decodes one block's entries; keys share a prefix with the previous key, reset at restart points. */
function decodeBlock(
  block: Uint8Array,
  what: string,
  fail: (problem: string) => DiffBattError,
): TableEntry[] {
  if (block.length < 4) throw fail(`${what}: ${block.length} bytes cannot hold a restart count`);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const restartCount = view.getUint32(block.length - 4, true);
  const restartsStart = block.length - 4 - 4 * restartCount;
  if (restartCount === 0 || restartsStart < 0) {
    throw fail(`${what}: restart count ${restartCount} does not fit a ${block.length}-byte block`);
  }
  const restarts = new Set<number>();
  for (let i = 0; i < restartCount; i++) restarts.add(view.getUint32(restartsStart + 4 * i, true));
  const entries: TableEntry[] = [];
  let key = new Uint8Array(0);
  let pos = 0;
  while (pos < restartsStart) {
    const at = pos;
    const failHere = (problem: string) => fail(`${what}, entry at byte ${at}: ${problem}`);
    const shared = expectVarint(block, pos, failHere);
    const unshared = expectVarint(block, shared.next, failHere);
    const valueLength = expectVarint(block, unshared.next, failHere);
    pos = valueLength.next;
    if (shared.value > key.length || (restarts.has(at) && shared.value !== 0)) {
      throw fail(`${what}, entry at byte ${at}: shares ${shared.value} bytes with a ${key.length}-byte key`);
    }
    if (pos + unshared.value + valueLength.value > restartsStart) {
      throw fail(`${what}, entry at byte ${at}: runs into the restart array`);
    }
    const next = new Uint8Array(shared.value + unshared.value);
    next.set(key.subarray(0, shared.value));
    next.set(block.subarray(pos, pos + unshared.value), shared.value);
    key = next;
    pos += unshared.value;
    entries.push({ key: latin1.decode(key), value: block.subarray(pos, pos + valueLength.value) });
    pos += valueLength.value;
  }
  return entries;
}
