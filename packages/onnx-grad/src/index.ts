export * from './onnx/proto.ts';
export * from './onnx/tensor.ts';
export * from './ir/attributes.ts';
export * from './ir/graph.ts';
export * from './ir/builder.ts';
