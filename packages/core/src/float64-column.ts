/**
 * A column of measurements of unknown length (one cycle's voltages while its rows stream in): a
 * Float64Array that doubles when full. Reused across cycles with `clear`, so its storage is that of the
 * longest cycle, not of the file.
 */
export class Float64Column {
  private values = new Float64Array(1024);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = value;
  }

  /** The values so far as a plain array (the cell schema's form), exactly as long as the column. */
  toArray(): number[] {
    return Array.from(this.values.subarray(0, this.size));
  }

  clear(): void {
    this.size = 0;
  }
}
