/**
 * Structural copy of a model: every message object and repeated field is new, so transforms may mutate the copy,
 * while tensor bytes (`raw_data`, which decoding left as views into the file) are shared, never copied.
 *
 * Exports: `cloneModel`, `cloneGraph`.
 */
import type {
  AttributeProto,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  TypeProto,
  ValueInfoProto,
} from '../onnx/proto.ts';
import { copyTensorLazily } from '../onnx/external-data.ts';

function cloneTensor(t: TensorProto): TensorProto {
  return copyTensorLazily(t, { dims: [...(t.dims ?? [])], external_data: t.external_data?.map((e) => ({ ...e })) });
}

function cloneType(t: TypeProto | undefined): TypeProto | undefined {
  if (!t) return undefined;
  const tt = t.tensor_type;
  return {
    ...t,
    tensor_type: tt
      ? { ...tt, shape: tt.shape ? { dim: (tt.shape.dim ?? []).map((d) => ({ ...d })) } : undefined }
      : undefined,
    sequence_type: t.sequence_type ? { elem_type: cloneType(t.sequence_type.elem_type) } : undefined,
    optional_type: t.optional_type ? { elem_type: cloneType(t.optional_type.elem_type) } : undefined,
  };
}

function cloneValueInfo(v: ValueInfoProto): ValueInfoProto {
  return { ...v, type: cloneType(v.type) };
}

function cloneAttribute(a: AttributeProto): AttributeProto {
  return {
    ...a,
    t: a.t ? cloneTensor(a.t) : undefined,
    g: a.g ? cloneGraph(a.g) : undefined,
    tensors: a.tensors?.map(cloneTensor),
    graphs: a.graphs?.map(cloneGraph),
  };
}

function cloneNode(n: NodeProto): NodeProto {
  return { ...n, input: [...n.input], output: [...n.output], attribute: n.attribute.map(cloneAttribute) };
}

export function cloneGraph(g: GraphProto): GraphProto {
  return {
    ...g,
    node: g.node.map(cloneNode),
    initializer: g.initializer.map(cloneTensor),
    input: g.input.map(cloneValueInfo),
    output: g.output.map(cloneValueInfo),
    value_info: g.value_info.map(cloneValueInfo),
  };
}

export function cloneModel(m: ModelProto): ModelProto {
  return {
    ...m,
    opset_import: m.opset_import.map((o) => ({ ...o })),
    metadata_props: m.metadata_props?.map((p) => ({ ...p })),
    graph: cloneGraph(m.graph),
  };
}
