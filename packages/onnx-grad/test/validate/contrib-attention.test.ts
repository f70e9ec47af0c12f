/**
 * The validator's checks of MultiHeadAttention, GroupQueryAttention and RotaryEmbedding: each one-node model below
 * is refused by onnxruntime-node 1.30 itself (at load or at run, with the message given), and the validator
 * refuses it naming the node, the input, the size found and the one expected. Valid variants (and the vendored fused
 * GPT-2) run on onnxruntime and pass, and a wrong size that is only symbolic in the file is not guessed at.
 */
import { describe, expect, it } from 'vitest';
import { DataType, decodeModel, ModelValidationError, validateModel } from '../../src/index.ts';
import { FUSED_GPT2, readBytes } from '../transforms/helpers.ts';
import {
  type AttentionCase,
  caseModel,
  edited,
  gqa,
  gqaDecode,
  gqaPacked,
  io,
  mha,
  mhaPast,
  ortRefusal,
  rotary,
  rotaryPartial,
  setAttr as attr,
  setInput as input,
  setValues as values,
} from './attention-cases.ts';

const [I32, I64] = [DataType.INT32, DataType.INT64];
const consts =
  (...names: string[]) =>
  (c: AttentionCase) => {
    c.consts = names;
  };

function refusal(c: AttentionCase): string {
  try {
    validateModel(caseModel(c));
  } catch (e) {
    if (e instanceof ModelValidationError) return e.message;
    throw e;
  }
  throw new Error('the validator passed the model');
}

const MHA = 'node "MultiHeadAttention_node" \\(MultiHeadAttention\\): ';
const GQA = 'node "GroupQueryAttention_node" \\(GroupQueryAttention\\): ';
const ROT = 'node "RotaryEmbedding_node" \\(RotaryEmbedding\\): ';
const re = (prefix: string, rest: string) => new RegExp(prefix + rest);

/** [what, model, onnxruntime's refusal, the validator's]. */
const REFUSED: [string, AttentionCase, RegExp, RegExp][] = [
  // MultiHeadAttention
  [
    'MHA: num_heads 0',
    edited(mha, attr('num_heads', 0)),
    /num_heads > 0 was false/,
    re(MHA, 'its num_heads attribute is 0; onnxruntime needs a positive num_heads'),
  ],
  [
    'MHA: a query of rank 4',
    edited(mha, input(0, io('query', [2, 3, 2, 4]))),
    /Inputs 0 \(query\) shall be 3 or 5 dimensions/,
    re(MHA, 'input 0 "query" \\[2, 3, 2, 4\\] has rank 4; MultiHeadAttention takes rank 3 or 5'),
  ],
  [
    'MHA: a hidden size of 9 over 2 heads',
    edited(mha, input(0, io('query', [2, 3, 9])), input(1, io('key', [2, 4, 9])), input(2, io('value', [2, 4, 9]))),
    /Tensor size \(\d+\) != new size/,
    re(MHA, 'input 0 "query" \\[2, 3, 9\\] has hidden size 9, not a multiple of num_heads 2'),
  ],
  [
    'MHA: a value hidden size of 5 over 2 heads',
    edited(mha, input(2, io('value', [2, 4, 5]))),
    /Tensor size \(\d+\) != new size/,
    re(MHA, 'input 2 "value" \\[2, 4, 5\\] has hidden size 5, not a multiple of num_heads 2'),
  ],
  [
    'MHA: a key of rank 2',
    edited(mha, input(1, io('key', [2, 32]))),
    /Expect rank of key and value be same, and either 3 or 4/,
    re(MHA, 'its key and value have ranks 2 and 3 \\(input 1 "key" \\[2, 32\\], input 2 "value" \\[2, 4, 8\\]\\)'),
  ],
  [
    'MHA: a 4-D key with a 3-D value',
    edited(mha, input(1, io('key', [2, 2, 4, 4]))),
    /Expect rank of key and value be same, and either 3 or 4/,
    re(MHA, 'its key and value have ranks 4 and 3'),
  ],
  [
    'MHA: a value of rank 2',
    edited(mha, input(2, io('value', [2, 32]))),
    /Inputs 2 \(value\) shall be 3 or 4 dimensions/,
    re(MHA, 'input 2 "value" \\[2, 32\\] has rank 2; MultiHeadAttention takes rank 3 or 4'),
  ],
  [
    'MHA: key and value of batch 1 against a query of batch 2',
    edited(mha, input(1, io('key', [1, 4, 8])), input(2, io('value', [1, 4, 8]))),
    /Input 'query', 'key' and 'value' shall have same dim 0 \(batch_size\)/,
    re(MHA, 'input 1 "key" \\[1, 4, 8\\] has 1 at axis 0, expected 2 \\(the batch of input 0 "query" \\[2, 3, 8\\]\\)'),
  ],
  [
    'MHA: a key of hidden size 6',
    edited(mha, input(1, io('key', [2, 4, 6]))),
    /Input 'query' and 'key' shall have same dim 2 \(hidden_size\)/,
    re(MHA, 'input 1 "key" \\[2, 4, 6\\] has 6 at axis 2, expected 8 \\(the hidden size of input 0 "query"'),
  ],
  [
    'MHA: 5 value rows for 4 keys',
    edited(mha, input(2, io('value', [2, 5, 8]))),
    /Input 'key' and 'value' shall have same dim 1 \(kv_sequence_length\)/,
    re(MHA, 'input 2 "value" \\[2, 5, 8\\] has 5 at axis 1, expected 4 \\(the kv sequence length of input 1 "key"'),
  ],
  [
    'MHA: a key in 3 heads of a 2-head node',
    edited(mha, input(1, io('key', [2, 3, 4, 4])), input(2, io('value', [2, 3, 4, 4]))),
    /Input 'key' and 'value' shall have same shape \(batch_size, num_heads, kv_sequence_length, head_size\)/,
    re(MHA, 'input 1 "key" \\[2, 3, 4, 4\\] has 3 at axis 1, expected 2 \\(num_heads\\)'),
  ],
  [
    'MHA: a key in heads of 3 where the query has heads of 4',
    edited(mha, input(1, io('key', [2, 2, 4, 3])), input(2, io('value', [2, 2, 4, 3]))),
    /Input 'key' and 'value' shall have same shape/,
    re(MHA, 'input 1 "key" \\[2, 2, 4, 3\\] has 3 at axis 3, expected 4 \\(the head size \\(hidden / num_heads\\)\\)'),
  ],
  [
    'MHA: a 4-D value of another length than the 4-D key',
    edited(mha, input(1, io('key', [2, 2, 4, 4])), input(2, io('value', [2, 2, 5, 4]))),
    /Input 'key' and 'value' shall have same shape/,
    re(MHA, 'input 2 "value" \\[2, 2, 5, 4\\] has 5 at axis 2, expected 4 \\(axis 2 of input 1 "key"'),
  ],
  [
    'MHA: packed K and V (key [B, L, N, 2, H]), not on the CPU kernel',
    edited(mha, input(1, io('key', [2, 4, 2, 2, 4])), input(2, '')),
    /Packed KV not implemented for CPU/,
    re(MHA, 'it packs its inputs \\(input 0 "query" \\[2, 3, 8\\], input 1 "key" \\[2, 4, 2, 2, 4\\]\\)'),
  ],
  [
    'MHA: packed Q, K and V (query [B, S, N, 3, H]), not on the CPU kernel',
    edited(mha, input(0, io('query', [2, 3, 2, 3, 4])), input(1, ''), input(2, '')),
    /Packed QKV of shape \(B, L, N, 3, H\) not implemented for CPU/,
    re(MHA, 'its query packs Q, K and V \\(input 0 "query" \\[2, 3, 2, 3, 4\\], no key\\)'),
  ],
  [
    'MHA: a 3-D query without key',
    edited(mha, input(1, ''), input(2, '')),
    /Packed qkv of 3D BS3NH format is not support/,
    re(MHA, 'its query packs Q, K and V \\(input 0 "query" \\[2, 3, 8\\], no key\\)'),
  ],
  [
    'MHA: a value without key',
    edited(mha, input(1, '')),
    /Input 'value' shall absent when 'key' is absent/,
    re(MHA, 'it has a value \\(input 2 "value" \\[2, 4, 8\\]\\) but no key'),
  ],
  [
    'MHA: a bias of 20 for Q, K, V of 8',
    edited(mha, input(3, io('bias', [20]))),
    /Input 'bias' length is expected to be 2 \* hidden_size \+ hidden_size_v/,
    re(MHA, 'input 3 "bias" \\[20\\] has 20 at axis 0, expected 24'),
  ],
  [
    'MHA: a bias of rank 2',
    edited(mha, input(3, io('bias', [1, 24]))),
    /Input 'bias' is expected to have 1 dimension, got 2/,
    re(MHA, 'input 3 "bias" \\[1, 24\\] has rank 2; MultiHeadAttention takes rank 1'),
  ],
  [
    'MHA: a key_padding_mask [B, 5] over 4 keys',
    edited(mha, input(4, io('mask', [2, 5], I32)), values('mask', new Array(10).fill(1))),
    /Input 'key_padding_mask' shape is not expected/,
    re(MHA, 'input 4 "mask" \\[2, 5\\] has 5 at axis 1, expected 4 \\(the kv sequence length, or the total one\\)'),
  ],
  [
    'MHA: a key_padding_mask [2B + 1]',
    edited(mha, input(4, io('mask', [5], I32)), values('mask', [4, 4, 0, 0, 4])),
    /Input 'key_padding_mask' shape is not expected/,
    re(MHA, 'input 4 "mask" \\[5\\] has 5 at axis 0, expected 2 or 8 \\(batch, or 3 × batch \\+ 2\\)'),
  ],
  [
    'MHA: a 4-D key_padding_mask',
    edited(mha, input(4, io('mask', [2, 1, 3, 4], I32)), values('mask', new Array(24).fill(1))),
    /Input 'key_padding_mask' shape is not expected/,
    re(MHA, 'input 4 "mask" \\[2, 1, 3, 4\\] has rank 4; MultiHeadAttention takes rank 1 or 2 or 3'),
  ],
  [
    'MHA: an attention_bias of rank 3',
    edited(mha, input(5, io('bias4', [2, 3, 4]))),
    /Input 'attention_bias' is expected to have 4 dimensions, got 3/,
    re(MHA, 'input 5 "bias4" \\[2, 3, 4\\] has rank 3'),
  ],
  [
    'MHA: an attention_bias for 3 heads',
    edited(mha, input(5, io('bias4', [2, 3, 3, 4]))),
    /Input 'attention_bias' dimension 1 should be same as number of heads or 1, got 3/,
    re(MHA, 'input 5 "bias4" \\[2, 3, 3, 4\\] has 3 at axis 1, expected 2 or 1 \\(num_heads, or 1\\)'),
  ],
  [
    'MHA: an attention_bias for batch 3',
    edited(mha, input(5, io('bias4', [3, 2, 3, 4]))),
    /Input 'attention_bias' dimension 0 should be batch_size or 1, got 3/,
    re(MHA, 'input 5 "bias4" \\[3, 2, 3, 4\\] has 3 at axis 0, expected 2 or 1'),
  ],
  [
    'MHA: an attention_bias for 2 queries of 3',
    edited(mha, input(5, io('bias4', [2, 2, 2, 4]))),
    /Input 'attention_bias' dimension 2 should be same as sequence_length, got 2/,
    re(MHA, 'input 5 "bias4" \\[2, 2, 2, 4\\] has 2 at axis 2, expected 3'),
  ],
  [
    'MHA: an attention_bias over 3 keys where past 2 + 3 new make 5',
    edited(mhaPast, input(5, io('bias4', [2, 2, 3, 3]))),
    /Input 'attention_bias' dimension 3 should be same as total_sequence_length, got 3/,
    re(MHA, 'input 5 "bias4" \\[2, 2, 3, 3\\] has 3 at axis 3, expected 5 \\(the total sequence length: past \\+ kv'),
  ],
  [
    'MHA: a past_key without past_value',
    edited(mhaPast, input(7, '')),
    /Input 'past_key' and 'past_value' shall be both present or both absent/,
    re(MHA, 'it has only one of past_key \\(input 6\\) and past_value \\(input 7\\)'),
  ],
  [
    'MHA: a past_key of rank 3',
    edited(mhaPast, input(6, io('past_key', [2, 2, 8]))),
    /The past_key input shall be 4 dimensions/,
    re(MHA, 'input 6 "past_key" \\[2, 2, 8\\] has rank 3; MultiHeadAttention takes rank 4'),
  ],
  [
    'MHA: a past of batch 1',
    edited(mhaPast, input(6, io('past_key', [1, 2, 2, 4])), input(7, io('past_value', [1, 2, 2, 4]))),
    /Input 'past_key' dimension 0 should be batch_size, got 1/,
    re(MHA, 'input 6 "past_key" \\[1, 2, 2, 4\\] has 1 at axis 0, expected 2 \\(the batch of input 0'),
  ],
  [
    'MHA: a past_key of 1 head',
    edited(mhaPast, input(6, io('past_key', [2, 1, 2, 4]))),
    /Input 'past_key' dimension 1 should be same as number of heads, got 1/,
    re(
      MHA,
      'input 6 "past_key" \\[2, 1, 2, 4\\] has 1 at axis 1, expected 2 \\(num_heads\\); it is \\[batch, num_heads',
    ),
  ],
  [
    'MHA: past_key and past_value of different lengths',
    edited(mhaPast, input(7, io('past_value', [2, 2, 3, 4]))),
    /Input 'past_key' and 'past_value' shall have same dim 2/,
    re(MHA, 'input 7 "past_value" \\[2, 2, 3, 4\\] has 3 at axis 2, expected 2 \\(the past length of input 6'),
  ],
  [
    'MHA: a past_key in heads of 8 where the query has heads of 4',
    edited(mhaPast, input(6, io('past_key', [2, 2, 2, 8]))),
    /Input 'past_key' dimension 3 should be same as head_size, got 8/,
    re(MHA, 'input 6 "past_key" \\[2, 2, 2, 8\\] has 8 at axis 3, expected 4 \\(the head size'),
  ],
  [
    'MHA: a past_value in heads of 3 (V of hidden size 6)',
    edited(mhaPast, input(2, io('value', [2, 3, 6])), input(7, io('past_value', [2, 2, 2, 3]))),
    /Input 'past_value' dimension 3 should be same as head_size, got 3/,
    re(MHA, 'input 7 "past_value" \\[2, 2, 2, 3\\] has 3 at axis 3, expected 4 \\(the head size'),
  ],
  // GroupQueryAttention
  [
    'GQA: kv_num_heads 0',
    edited(gqa, attr('kv_num_heads', 0)),
    /kv_num_heads > 0 was false/,
    re(GQA, 'its num_heads 4 and kv_num_heads 0 must both be positive'),
  ],
  [
    'GQA: 4 heads over 3 KV heads',
    edited(gqa, attr('kv_num_heads', 3), input(1, io('key', [2, 3, 48])), input(2, io('value', [2, 3, 48]))),
    /num_heads must be a multiple of kv_num_heads/,
    re(GQA, 'its num_heads 4 is not a multiple of kv_num_heads 3'),
  ],
  [
    'GQA: a query of rank 4',
    edited(gqa, input(0, io('query', [2, 3, 4, 16]))),
    /Inputs 0 \(query\) shall be 3 dimensions/,
    re(GQA, 'input 0 "query" \\[2, 3, 4, 16\\] has rank 4; GroupQueryAttention takes rank 3'),
  ],
  [
    'GQA: a query of 66 over 4 heads',
    edited(gqa, input(0, io('query', [2, 3, 66]))),
    /Tensor size \(\d+\) != new size/,
    re(GQA, 'input 0 "query" \\[2, 3, 66\\] has hidden size 66, not a multiple of num_heads 4'),
  ],
  [
    'GQA: heads of 12',
    edited(gqa, input(0, io('query', [2, 3, 48])), input(1, io('key', [2, 3, 24])), input(2, io('value', [2, 3, 24]))),
    /head_size must be a multiple of 8. Got head_size % 8 == 4/,
    re(
      GQA,
      'its head size is 12 \\(from input 0 "query" \\[2, 3, 48\\]\\); onnxruntime\'s kernel takes multiples of 8',
    ),
  ],
  [
    'GQA: a packed query of 130 (not 8 heads of one size)',
    edited(gqaPacked, input(0, io('query', [2, 3, 130]))),
    /Tensor size \(\d+\) != new size/,
    re(GQA, 'its packed input 0 "query" \\[2, 3, 130\\] has width 130, not \\(num_heads \\+ 2 × kv_num_heads\\) = 8'),
  ],
  [
    'GQA: a packed query of 8 heads of 17',
    edited(gqaPacked, input(0, io('query', [2, 3, 136]))),
    /head_size must be a multiple of 8. Got head_size % 8 == 1/,
    re(GQA, 'its head size is 17'),
  ],
  [
    'GQA: a packed query and a value',
    edited(gqaPacked, input(2, io('value', [2, 3, 32]))),
    /Input 'key' and 'value' shall be both present, or both absent/,
    re(GQA, 'it has a value \\(input 2 "value" \\[2, 3, 32\\]\\) but no key'),
  ],
  [
    'GQA: a key without value',
    edited(gqa, input(2, '')),
    /Input 'key' and 'value' shall be both present, or both absent/,
    re(GQA, 'it has a key \\(input 1 "key" \\[2, 3, 32\\]\\) but no value'),
  ],
  [
    'GQA: a key of rank 2',
    edited(gqa, input(1, io('key', [2, 96]))),
    /Input 'key' is expected to have 3 dimensions, got 2/,
    re(GQA, 'input 1 "key" \\[2, 96\\] has rank 2; GroupQueryAttention takes rank 3'),
  ],
  [
    'GQA: a key of batch 1',
    edited(gqa, input(1, io('key', [1, 3, 32]))),
    /Input 'query' and 'key' shall have same dim 0 \(batch size\)/,
    re(GQA, 'input 1 "key" \\[1, 3, 32\\] has 1 at axis 0, expected 2'),
  ],
  [
    'GQA: 2 keys for 3 queries without past',
    edited(gqa, input(1, io('key', [2, 2, 32])), input(2, io('value', [2, 2, 32]))),
    /query and key must have the same sequence length when past_key is not provided/,
    re(GQA, 'input 1 "key" \\[2, 2, 32\\] has 2 at axis 1, expected 3 \\(the sequence of input 0'),
  ],
  [
    'GQA: 2 keys for 1 query after a past',
    edited(gqaDecode, input(1, io('key', [2, 2, 32])), input(2, io('value', [2, 2, 32]))),
    /query and key must have the same sequence length when past_key is provided, or key sequence length must be 0/,
    re(GQA, 'input 1 "key" \\[2, 2, 32\\] has 2 at axis 1, expected 1 or 0'),
  ],
  [
    'GQA: keys in heads of 24',
    edited(gqa, input(1, io('key', [2, 3, 48])), input(2, io('value', [2, 3, 48]))),
    /kv_hidden_size \/ kv_num_heads must be equal to head_size/,
    re(GQA, 'input 1 "key" \\[2, 3, 48\\] has 48 at axis 2, expected 32 \\(kv_num_heads 2 × head size 16\\)'),
  ],
  [
    'GQA: a key of 33 over 2 KV heads',
    edited(gqa, input(1, io('key', [2, 3, 33])), input(2, io('value', [2, 3, 33]))),
    /kv_hidden_size must be a multiple of kv_num_heads/,
    re(GQA, 'input 1 "key" \\[2, 3, 33\\] has 33 at axis 2, expected 32'),
  ],
  [
    'GQA: a value of rank 2',
    edited(gqa, input(2, io('value', [2, 96]))),
    /Input 'value' is expected to have 3 dimensions, got 2/,
    re(GQA, 'input 2 "value" \\[2, 96\\] has rank 2'),
  ],
  [
    'GQA: a value of batch 1',
    edited(gqa, input(2, io('value', [1, 3, 32]))),
    /Input 'query' and 'value' shall have same dim 0 \(batch size\)/,
    re(GQA, 'input 2 "value" \\[1, 3, 32\\] has 1 at axis 0, expected 2'),
  ],
  [
    'GQA: 2 values for 3 keys',
    edited(gqa, input(2, io('value', [2, 2, 32]))),
    /Input 'key' and 'value' shall have same dim 1 \(sequence length\)/,
    re(GQA, 'input 2 "value" \\[2, 2, 32\\] has 2 at axis 1, expected 3 \\(the sequence of input 1 "key"'),
  ],
  [
    'GQA: a value wider than the key',
    edited(gqa, input(2, io('value', [2, 3, 48]))),
    /Input 'value' is expected to have same hidden size as key/,
    re(GQA, 'input 2 "value" \\[2, 3, 48\\] has 48 at axis 2, expected 32 \\(the hidden size of input 1 "key"'),
  ],
  [
    'GQA: a past_key without past_value',
    edited(gqaDecode, input(4, '')),
    /Input 4 expected to have type but instead is null/,
    re(GQA, 'it has only one of past_key \\(input 3\\) and past_value \\(input 4\\)'),
  ],
  [
    'GQA: a past_key of rank 3',
    edited(gqaDecode, input(3, io('past_key', [2, 2, 64]))),
    /The past_key input shall be 4 dimensions/,
    re(GQA, 'input 3 "past_key" \\[2, 2, 64\\] has rank 3; GroupQueryAttention takes rank 4'),
  ],
  [
    'GQA: a past of batch 1',
    edited(gqaDecode, input(3, io('past_key', [1, 2, 4, 16])), input(4, io('past_value', [1, 2, 4, 16]))),
    /Input 'past_key' dimension 0 should be batch_size, got 1/,
    re(GQA, 'input 3 "past_key" \\[1, 2, 4, 16\\] has 1 at axis 0, expected 2'),
  ],
  [
    'GQA: past_key and past_value of different lengths',
    edited(gqaDecode, input(4, io('past_value', [2, 2, 5, 16]))),
    /BNSH Input 'past_key' and 'past_value' should have same dimension 2/,
    re(GQA, 'input 4 "past_value" \\[2, 2, 5, 16\\] has 5 at axis 2, expected 4 \\(the past length of input 3'),
  ],
  [
    'GQA: a past in 4 heads for 2 KV heads',
    edited(gqaDecode, input(3, io('past_key', [2, 4, 4, 16])), input(4, io('past_value', [2, 4, 4, 16]))),
    /Input 'past_key' shall have kv_num_heads/,
    re(GQA, 'input 3 "past_key" \\[2, 4, 4, 16\\] has 4 at axis 1, expected 2 \\(kv_num_heads\\)'),
  ],
  [
    'GQA: a past_value in heads of 8',
    edited(gqaDecode, input(4, io('past_value', [2, 2, 4, 8]))),
    /Input 'past_value' dimension 3 should match the packed KV head dimension, got 8 expected 16/,
    re(GQA, 'input 4 "past_value" \\[2, 2, 4, 8\\] has 8 at axis 3, expected 16 \\(the head size\\)'),
  ],
  [
    'GQA: a scalar seqlens_k',
    edited(gqa, input(5, io('seqlens_k', [], I32)), values('seqlens_k', [2])),
    /seqlens_k must be at least 1D, got scalar/,
    re(GQA, 'input 5 "seqlens_k" \\[\\] is a scalar; seqlens_k is \\[batch\\]'),
  ],
  [
    'GQA: seqlens_k of 3 for a batch of 2',
    edited(gqa, input(5, io('seqlens_k', [3], I32)), values('seqlens_k', [2, 2, 2])),
    /seqlens_k must have batch_size \(2\) elements, got 3/,
    re(GQA, 'input 5 "seqlens_k" \\[3\\] has 3 elements, expected the batch 2'),
  ],
  [
    'GQA: seqlens_k [2, 2] for a batch of 2',
    edited(gqa, input(5, io('seqlens_k', [2, 2], I32)), values('seqlens_k', [2, 2, 2, 2])),
    /seqlens_k must have batch_size \(2\) elements, got 4/,
    re(GQA, 'input 5 "seqlens_k" \\[2, 2\\] has 4 elements, expected the batch 2'),
  ],
  [
    'GQA: a total_sequence_length of 2 elements',
    edited(gqa, input(6, io('total_sequence_length', [2], I32)), values('total_sequence_length', [3, 3])),
    /total_sequence_length tensor must be of one element/,
    re(GQA, 'input 6 "total_sequence_length" \\[2\\] is not one element'),
  ],
  [
    'GQA: a total_sequence_length [1, 1]',
    edited(gqa, input(6, io('total_sequence_length', [1, 1], I32))),
    /total_sequence_length tensor must be of one element/,
    re(GQA, 'input 6 "total_sequence_length" \\[1, 1\\] is not one element'),
  ],
  [
    'GQA: a constant total_sequence_length of 0',
    edited(gqa, values('total_sequence_length', [0]), values('seqlens_k', [-1, -1]), consts('total_sequence_length')),
    /total_sequence_length must be positive, got 0/,
    re(GQA, 'input 6 "total_sequence_length" \\[1\\] holds 0; total_sequence_length .* must be positive'),
  ],
  [
    'GQA: a cos_cache without sin_cache',
    edited(gqaDecode, input(8, '')),
    /Input 'cos_cache' and 'sin_cache' shall be both present or both absent/,
    re(GQA, 'it has only one of cos_cache \\(input 7\\) and sin_cache \\(input 8\\)'),
  ],
  [
    'GQA: do_rotary without caches',
    edited(gqa, attr('do_rotary', 1)),
    /cos_cache and sin_cache must be provided when do_rotary is true/,
    re(GQA, 'it has do_rotary=1 but no cos_cache and sin_cache'),
  ],
  [
    'GQA: rotary caches with heads of 8',
    edited(
      gqaDecode,
      input(0, io('query', [2, 1, 32])),
      input(1, io('key', [2, 1, 16])),
      input(2, io('value', [2, 1, 16])),
      input(3, io('past_key', [2, 2, 4, 8])),
      input(4, io('past_value', [2, 2, 4, 8])),
      input(7, io('cos_cache', [8, 4])),
      input(8, io('sin_cache', [8, 4])),
    ),
    /head_size shall be a multiple of 16. Got head_size % 16 == 8/,
    re(GQA, "its head size is 8; onnxruntime's kernel applies rotary caches only to multiples of 16"),
  ],
  [
    'GQA: caches of 4 rows for a constant total_sequence_length of 5',
    edited(
      gqaDecode,
      input(7, io('cos_cache', [4, 8])),
      input(8, io('sin_cache', [4, 8])),
      consts('total_sequence_length'),
    ),
    /cos_cache dimension 0 shall not be less than total_sequence_length/,
    re(GQA, 'input 7 "cos_cache" \\[4, 8\\] has 4 rows, fewer than total_sequence_length 5'),
  ],
  [
    'GQA: caches of width 16 for heads of 16',
    edited(gqaDecode, input(7, io('cos_cache', [8, 16])), input(8, io('sin_cache', [8, 16]))),
    /cos_cache dimension 1 must be <= head_size \/ 2 and a multiple of 8/,
    re(GQA, 'input 7 "cos_cache" \\[8, 16\\] has width 16, expected a multiple of 8 up to head size / 2 = 8'),
  ],
  [
    'GQA: caches of width 4',
    edited(gqaDecode, input(7, io('cos_cache', [8, 4])), input(8, io('sin_cache', [8, 4]))),
    /cos_cache dimension 1 must be <= head_size \/ 2 and a multiple of 8/,
    re(GQA, 'input 7 "cos_cache" \\[8, 4\\] has width 4, expected a multiple of 8'),
  ],
  [
    'GQA: a sin_cache of another width than the cos_cache',
    edited(gqaDecode, input(8, io('sin_cache', [8, 0]))),
    /cos_cache and sin_cache dimension 1 must be the same/,
    re(GQA, 'input 8 "sin_cache" \\[8, 0\\] has 0 at axis 1, expected 8 \\(the width of input 7 "cos_cache"'),
  ],
  [
    'GQA: a continued prompt in a batch of 2 (constant total_sequence_length 4 after 3 queries)',
    edited(gqa, values('total_sequence_length', [4]), values('seqlens_k', [3, 3]), consts('total_sequence_length')),
    /batch_size must be 1 when sequence_length > 1 and past context is given/,
    re(GQA, 'its 3 query tokens follow a past \\(total_sequence_length 4\\) with a batch of 2'),
  ],
  // RotaryEmbedding
  [
    'Rotary: rotary_embedding_dim -2',
    edited(rotary, attr('rotary_embedding_dim', -2)),
    /rotary_embedding_dim_attr >= 0/,
    re(ROT, 'its num_heads 2 and rotary_embedding_dim -2 must not be negative'),
  ],
  [
    'Rotary: num_heads -1',
    edited(rotary, attr('num_heads', -1)),
    /num_heads_attr >= 0/,
    re(ROT, 'its num_heads -1 and rotary_embedding_dim 0 must not be negative'),
  ],
  [
    'Rotary: rotary_embedding_dim without num_heads',
    edited(rotaryPartial, attr('num_heads', 0)),
    /num_heads must be provided if rotary_embedding_dim is specif/,
    re(ROT, 'it has rotary_embedding_dim 4 but no num_heads'),
  ],
  [
    'Rotary: an input of rank 2',
    edited(rotary, input(0, io('input', [6, 16]))),
    /Input 'x' is expected to have 3 or 4 dimensions, got 2/,
    re(ROT, 'input 0 "input" \\[6, 16\\] has rank 2; RotaryEmbedding takes rank 3 or 4'),
  ],
  [
    'Rotary: position_ids of rank 3',
    edited(rotary, input(1, io('position_ids', [2, 3, 1], I64))),
    /Input 'position_ids' is expected to have 0, 1, or 2 dimensions, got 3/,
    re(ROT, 'input 1 "position_ids" \\[2, 3, 1\\] is neither \\[batch, sequence\\] nor one element'),
  ],
  [
    'Rotary: position_ids [2]',
    edited(rotary, input(1, io('position_ids', [2], I64))),
    /Input 'position_ids' is expected to have 0, 1, or 2 dimensions, got 1/,
    re(ROT, 'input 1 "position_ids" \\[2\\] is neither \\[batch, sequence\\] nor one element'),
  ],
  [
    'Rotary: position_ids of batch 1 for a batch of 2',
    edited(rotary, input(1, io('position_ids', [1, 3], I64))),
    /Input 'position_ids' dimension 0 should be of size batch_size, got 1/,
    re(ROT, 'input 1 "position_ids" \\[1, 3\\] has 1 at axis 0, expected 2 \\(the batch of input 0 "input"'),
  ],
  [
    'Rotary: position_ids for 4 tokens of 3',
    edited(rotary, input(1, io('position_ids', [2, 4], I64))),
    /Input 'position_ids' dimension 1 should be of size sequence_length, got 4/,
    re(ROT, 'input 1 "position_ids" \\[2, 4\\] has 4 at axis 1, expected 3 \\(the sequence length\\)'),
  ],
  [
    'Rotary: a constant position 9 past the 8 cache rows',
    edited(rotary, values('position_ids', [0, 1, 2, 3, 4, 9]), consts('position_ids')),
    /position_ids value 9 at index 5 is out of range \[0, 8\)/,
    re(ROT, 'input 1 "position_ids" \\[2, 3\\] holds position 9, not a row of the caches \\[0, 8\\)'),
  ],
  [
    'Rotary: a constant start 6 for 3 tokens over 8 cache rows',
    edited(rotaryPartial, values('position_ids', [6]), consts('position_ids')),
    /position_ids base value 6 with sequence_length 3 exceeds cos\/sin cache range \[0, 8\)/,
    re(ROT, 'input 1 "position_ids" \\[1\\] starts at 6: positions 6..8 are not all rows of the caches \\[0, 8\\)'),
  ],
  [
    'Rotary: a cos_cache of rank 3',
    edited(rotary, input(2, io('cos_cache', [8, 4, 1])), input(3, io('sin_cache', [8, 4, 1]))),
    /Input 'cos_cache' is expected to have 2 dimensions, got 3/,
    re(ROT, 'input 2 "cos_cache" \\[8, 4, 1\\] has rank 3; RotaryEmbedding takes rank 2'),
  ],
  [
    'Rotary: a sin_cache of 9 rows for a cos_cache of 8',
    edited(rotary, input(3, io('sin_cache', [9, 4]))),
    /Inputs 'cos_cache' and 'sin_cache' are expected to have the same shape/,
    re(ROT, 'input 3 "sin_cache" \\[9, 4\\] has 9 at axis 0, expected 8 \\(axis 0 of input 2 "cos_cache"'),
  ],
  [
    'Rotary: caches of width 3 for heads of 8',
    edited(rotary, input(2, io('cos_cache', [8, 3])), input(3, io('sin_cache', [8, 3]))),
    /Input 'cos_cache' dimension 1 should be same as head_size \/ 2 or rotary_embedding_dim \/ 2, got 3/,
    re(ROT, 'input 2 "cos_cache" \\[8, 3\\] has 3 at axis 1, expected 4 \\(head size 8 / 2\\)'),
  ],
  [
    'Rotary: caches of width 3 for a [B, N, S, 8] input',
    edited(
      rotaryPartial,
      attr('rotary_embedding_dim', 0),
      input(2, io('cos_cache', [8, 3])),
      input(3, io('sin_cache', [8, 3])),
    ),
    /Input 'cos_cache' dimension 1 should be same as head_size \/ 2 or rotary_embedding_dim \/ 2, got 3/,
    re(ROT, 'input 2 "cos_cache" \\[8, 3\\] has 3 at axis 1, expected 4 \\(head size 8 / 2\\)'),
  ],
  [
    'Rotary: caches of width 2 for rotary_embedding_dim 6',
    edited(rotaryPartial, attr('rotary_embedding_dim', 6)),
    /Input 'cos_cache' dimension 1 should be same as head_size \/ 2 or rotary_embedding_dim \/ 2, got 2/,
    re(ROT, 'input 2 "cos_cache" \\[8, 2\\] has 2 at axis 1, expected 4 or 3 \\(head size 8 / 2, or rotary'),
  ],
  [
    'Rotary: a hidden size of 16 over 3 heads',
    edited(rotary, attr('num_heads', 3)),
    /RotaryEmbedding: hidden_size=16 must be divisible by num_heads=3/,
    re(ROT, 'input 0 "input" \\[2, 3, 16\\] has hidden size 16, not a multiple of num_heads 3'),
  ],
  [
    'Rotary: no num_heads, caches of width 3 for a hidden size of 16',
    edited(rotary, attr('num_heads', 0), input(2, io('cos_cache', [8, 3])), input(3, io('sin_cache', [8, 3]))),
    /hidden_size=16 must be divisible by inferred head_size=6/,
    re(ROT, 'input 0 "input" \\[2, 3, 16\\] has hidden size 16, not a multiple of the head size 6 \\(2 × the width of'),
  ],
  [
    'Rotary: rotary_embedding_dim 10 for heads of 8',
    edited(
      rotaryPartial,
      attr('rotary_embedding_dim', 10),
      input(2, io('cos_cache', [8, 5])),
      input(3, io('sin_cache', [8, 5])),
    ),
    /rotary_embedding_dim must be less than or equal to head_size/,
    re(ROT, 'its rotary_embedding_dim 10 exceeds the head size 8'),
  ],
];

/** Variants onnxruntime runs: the validator passes them. */
const VALID: [string, AttentionCase][] = [
  ['MHA: cross-attention, 2 heads of 4', mha()],
  ['MHA: past and present', mhaPast()],
  ['MHA: a value of another hidden size (6)', edited(mha, input(2, io('value', [2, 4, 6])))],
  ['MHA: a bias for V of 6', edited(mha, input(2, io('value', [2, 4, 6])), input(3, io('bias', [22])))],
  [
    'MHA: key and value in heads, with a bias',
    edited(mha, input(1, io('key', [2, 2, 4, 4])), input(2, io('value', [2, 2, 4, 4])), input(3, io('bias', [24]))),
  ],
  [
    'MHA: key and value in heads after a past',
    edited(
      mhaPast,
      input(1, io('key', [2, 2, 3, 4])),
      input(2, io('value', [2, 2, 3, 4])),
      input(5, io('bias4', [2, 2, 3, 5])),
    ),
  ],
  ['MHA: mask [B]', edited(mha, input(4, io('mask', [2], I32)), values('mask', [4, 4]))],
  ['MHA: mask [3B + 2]', edited(mha, input(4, io('mask', [8], I32)), values('mask', [4, 4, 0, 0, 4, 4, 4, 4]))],
  ['MHA: mask [B, L]', edited(mha, input(4, io('mask', [2, 4], I32)), values('mask', new Array(8).fill(1)))],
  ['MHA: mask [B, S, T]', edited(mha, input(4, io('mask', [2, 3, 4], I32)), values('mask', new Array(24).fill(1)))],
  ['MHA: attention_bias [1, 1, S, T]', edited(mha, input(5, io('bias4', [1, 1, 3, 4])))],
  ['MHA: attention_bias [B, 1, S, P + L]', edited(mhaPast, input(5, io('bias4', [2, 1, 3, 5])))],
  ['GQA: a prompt', gqa()],
  [
    'GQA: heads of 8',
    edited(gqa, input(0, io('query', [2, 3, 32])), input(1, io('key', [2, 3, 16])), input(2, io('value', [2, 3, 16]))),
  ],
  ['GQA: packed QKV', gqaPacked()],
  ['GQA: one step after a past, rotary caches', gqaDecode()],
  ['GQA: a constant total_sequence_length', edited(gqaDecode, consts('total_sequence_length'))],
  [
    'GQA: a layer sharing the cache (no new keys)',
    edited(
      gqaDecode,
      input(1, io('key', [2, 0, 32])),
      input(2, io('value', [2, 0, 32])),
      values('total_sequence_length', [4]),
      values('seqlens_k', [3, 3]),
    ),
  ],
  ['GQA: seqlens_k [1, B]', edited(gqa, input(5, io('seqlens_k', [1, 2], I32)))],
  ['GQA: a scalar total_sequence_length', edited(gqa, input(6, io('total_sequence_length', [], I32)))],
  ['Rotary: [B, S, N·h], per-token positions', rotary()],
  ['Rotary: no num_heads', edited(rotary, attr('num_heads', 0))],
  ['Rotary: a scalar start position', edited(rotary, input(1, io('position_ids', [], I64)))],
  ['Rotary: [B, N, S, h], partial, interleaved, constant start', edited(rotaryPartial, consts('position_ids'))],
  [
    'Rotary: caches of head size / 2 with a smaller rotary_embedding_dim',
    edited(rotaryPartial, input(2, io('cos_cache', [8, 4])), input(3, io('sin_cache', [8, 4]))),
  ],
  [
    'Rotary: an odd rotary_embedding_dim (3: caches of 1)',
    edited(
      rotaryPartial,
      attr('rotary_embedding_dim', 3),
      input(2, io('cos_cache', [8, 1])),
      input(3, io('sin_cache', [8, 1])),
    ),
  ],
  ['Rotary: heads of 9 (caches of 4)', edited(rotary, input(0, io('input', [2, 3, 18])))],
];

describe('MultiHeadAttention, GroupQueryAttention and RotaryEmbedding inputs onnxruntime refuses', () => {
  for (const [what, c, ort, ours] of REFUSED) {
    it(what, async () => {
      expect(await ortRefusal(c)).toMatch(ort);
      const message = refusal(c);
      expect(message).toMatch(ours);
      // one problem for the node, as the kernel stops at the first
      expect(message.match(/node "\w+" \(\w+\): /g)).toHaveLength(1);
    });
  }
});

describe('inputs onnxruntime aborts on (so it cannot be asked in a test)', () => {
  it('GQA: a cos_cache / sin_cache of rank 1 (onnxruntime 1.30 calls std::terminate) is refused', () => {
    for (const [k, name] of [
      [7, 'cos_cache'],
      [8, 'sin_cache'],
    ] as const) {
      const c = edited(gqaDecode, input(k, io(name, [8])));
      expect(refusal(c)).toMatch(re(GQA, `.*${name}.*rank 1.*\\[max_positions, rotary_dim / 2\\]`));
    }
  });
});

describe('valid attention and rotary inputs pass', () => {
  for (const [what, c] of VALID) {
    it(what, async () => {
      expect(await ortRefusal(c)).toBeUndefined();
      expect(() => validateModel(caseModel(c))).not.toThrow();
    });
  }

  it('the vendored fused GPT-2 (Attention, EmbedLayerNormalization, SkipLayerNormalization, FastGelu)', () => {
    expect(() => validateModel(decodeModel(readBytes(FUSED_GPT2)))).not.toThrow();
  });
});

describe('a size that is symbolic in the file is not guessed', () => {
  const SYMBOLIC: [string, AttentionCase, AttentionCase][] = [
    [
      'a past_key of "heads" heads',
      edited(mhaPast, input(6, io('past_key', [2, 1, 2, 4]))),
      edited(mhaPast, input(6, io('past_key', [2, 'heads', 2, 4]))),
    ],
    [
      'an attention_bias over "total" keys',
      edited(mhaPast, input(5, io('bias4', [2, 2, 3, 3]))),
      edited(mhaPast, input(5, io('bias4', [2, 2, 3, 'total']))),
    ],
    [
      'a GQA key of "kv" width',
      edited(gqa, input(1, io('key', [2, 3, 48])), input(2, io('value', [2, 3, 48]))),
      edited(gqa, input(1, io('key', [2, 3, 'kv'])), input(2, io('value', [2, 3, 'kv']))),
    ],
    [
      'GQA caches of "rows" rows',
      edited(
        gqaDecode,
        input(7, io('cos_cache', [4, 8])),
        input(8, io('sin_cache', [4, 8])),
        consts('total_sequence_length'),
      ),
      edited(
        gqaDecode,
        input(7, io('cos_cache', ['rows', 8])),
        input(8, io('sin_cache', ['rows', 8])),
        consts('total_sequence_length'),
      ),
    ],
    [
      'GQA caches of 4 rows and a total_sequence_length fed at run time',
      edited(
        gqaDecode,
        input(7, io('cos_cache', [4, 8])),
        input(8, io('sin_cache', [4, 8])),
        consts('total_sequence_length'),
      ),
      edited(gqaDecode, input(7, io('cos_cache', [4, 8])), input(8, io('sin_cache', [4, 8]))),
    ],
    [
      'rotary position_ids of "batch" rows',
      edited(rotary, input(1, io('position_ids', [1, 3], I64))),
      edited(rotary, input(1, io('position_ids', ['batch', 3], I64))),
    ],
    [
      'a rotary input of "hidden" width',
      edited(rotary, attr('num_heads', 3)),
      edited(rotary, attr('num_heads', 3), input(0, io('input', [2, 3, 'hidden']))),
    ],
  ];
  for (const [what, numeric, symbolic] of SYMBOLIC)
    it(what, () => {
      expect(() => validateModel(caseModel(numeric))).toThrow(ModelValidationError);
      expect(() => validateModel(caseModel(symbolic))).not.toThrow();
    });
});
