import { crc32c, DatasetError, maskCrc } from '@diffbatt/core';

/** TFRecord stores CRCs "masked" so that a CRC of data containing CRCs stays well distributed. */
export function maskedCrc32c(bytes: Uint8Array): number {
  return maskCrc(crc32c(bytes));
}

/**
 * Splits an uncompressed TFRecord file into its records, checking both CRCs of each:
 * uint64 LE length | uint32 masked CRC32C(length bytes) | payload | uint32 masked CRC32C(payload).
 */
export function tfRecords(bytes: Uint8Array, file: string): Uint8Array[] {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new DatasetError(
      'GZIP-compressed snapshot shards are not supported; save the dataset uncompressed',
      {
        file,
      },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let position = 0;
  while (position < bytes.length) {
    const record = records.length + 1;
    if (position + 12 > bytes.length) {
      throw new DatasetError(`truncated TFRecord: record ${record} header cut off at byte ${position}`, {
        file,
      });
    }
    const lengthBytes = bytes.subarray(position, position + 8);
    if (maskedCrc32c(lengthBytes) !== view.getUint32(position + 8, true)) {
      throw new DatasetError(
        `CRC32C mismatch in the length of record ${record} (byte ${position}): file is corrupt`,
        {
          file,
        },
      );
    }
    const length = view.getBigUint64(position, true);
    const start = position + 12;
    if (BigInt(start) + length + 4n > BigInt(bytes.length)) {
      throw new DatasetError(
        `truncated TFRecord: record ${record} needs ${length} bytes past byte ${start}`,
        { file },
      );
    }
    const end = start + Number(length);
    const payload = bytes.subarray(start, end);
    if (maskedCrc32c(payload) !== view.getUint32(end, true)) {
      throw new DatasetError(
        `CRC32C mismatch in the data of record ${record} (bytes ${start}..${end}): file is corrupt`,
        {
          file,
        },
      );
    }
    records.push(payload);
    position = end + 4;
  }
  return records;
}
