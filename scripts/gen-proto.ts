// Compiles packages/onnx-grad/src/onnx/onnx.proto into the JSON descriptor the light protobufjs build loads,
// so the browser bundle carries no .proto parser. Run after editing the .proto: `pnpm tsx scripts/gen-proto.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const dir = new URL('../packages/onnx-grad/src/onnx/', import.meta.url);
const parsed = protobuf.parse(readFileSync(new URL('onnx.proto', dir), 'utf8'), { keepCase: true });
writeFileSync(new URL('onnx-proto.json', dir), `${JSON.stringify(parsed.root.toJSON())}\n`);
