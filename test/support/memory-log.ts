import { Writable } from 'node:stream';

/** A log destination in memory; `isTTY` makes it look like a terminal, which gets the human form of each line. */
export class MemoryLog extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
  get lines() {
    return this.text.split('\n').filter(Boolean);
  }
}
