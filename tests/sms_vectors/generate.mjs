// Runs Twilio's sms-segments-calculator over the cases read from stdin (the
// JSON printed by cases.py) and writes vectors.json next to this script.
// Usage: node generate.mjs [prefix where the package is installed, default /tmp/smscalc]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const prefix = process.argv[2] || '/tmp/smscalc';
const require = createRequire(join(prefix, 'node_modules', '/'));
const { SegmentedMessage } = require('sms-segments-calculator');
const { version } = require('sms-segments-calculator/package.json');

const cases = JSON.parse(readFileSync(0, 'utf8'));
const vectors = cases.map((testCase) => {
  const message = new SegmentedMessage(testCase.text, 'auto', false);
  const bitsPerUnit = message.encodingName === 'GSM-7' ? 7 : 16;
  return {
    ...testCase,
    encoding: message.encodingName,
    units: message.messageSize / bitsPerUnit,
    segments: message.segmentsCount,
  };
});

const out = join(dirname(fileURLToPath(import.meta.url)), 'vectors.json');
// One vector per line keeps diffs readable.
const lines = vectors.map((vector) => JSON.stringify(vector)).join(',\n');
const header = JSON.stringify({ calculator: `sms-segments-calculator ${version}`, smart_encoding: false });
writeFileSync(out, `${header.slice(0, -1)},"vectors":[\n${lines}\n]}\n`);
console.log(`wrote ${vectors.length} vectors to ${out}`);
