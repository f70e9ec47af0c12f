// Compiles packages/onnx-grad/src/onnx/onnx.proto into the JSON descriptor the light protobufjs build loads,
// so the browser bundle carries no .proto parser. Run after editing the .proto: `pnpm tsx scripts/gen-proto.ts`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../packages/onnx-grad/src/io/files.ts';
import protobuf from 'protobufjs';

const dir = new URL('../packages/onnx-grad/src/onnx/', import.meta.url);
const parsed = protobuf.parse(readFileSync(new URL('onnx.proto', dir), 'utf8'), { keepCase: true });
writeFileAtomic(fileURLToPath(new URL('onnx-proto.json', dir)), `${JSON.stringify(parsed.root.toJSON())}\n`);
