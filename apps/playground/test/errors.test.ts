import { describe, expect, it } from 'vitest';
import { describeLoadError } from '../src/errors.ts';
import { labelsFromConfig, taskFromConfig } from '../src/task.ts';

const hub = { source: 'hub' as const, id: 'Xenova/some-model' };

describe('load errors', () => {
  // Messages as transformers.js 4.3.2 and the browser produce them.
  it('says the Hub was unreachable on a network failure', () => {
    const e = describeLoadError(new TypeError('Failed to fetch'), hub);
    expect(e.message).toMatch(/Could not reach the Hugging Face Hub/);
    expect(e.hint).toMatch(/embedded models/);
  });
  it('says a repo has no fp32 ONNX file', () => {
    const e = describeLoadError(
      new Error('Could not locate file: "https://huggingface.co/Xenova/some-model/resolve/main/onnx/model.onnx".'),
      hub,
    );
    expect(e.message).toMatch(/no full-precision ONNX file/);
    expect(e.hint).toMatch(/quantized/);
  });
  it('names the missing file of the dtype picked', () => {
    const e = describeLoadError(new Error('Could not locate file: "/models/tiny/onnx/model_quantized.onnx".'), {
      source: 'local',
      id: 'tiny',
      dtype: 'q8',
    });
    expect(e.message).toBe(`embedded model "tiny" has no ONNX file for dtype 'q8' (onnx/model_quantized.onnx).`);
    expect(e.hint).toMatch(/'fp32'/);
  });
  it('says a repo was not found', () => {
    const e = describeLoadError(
      new Error('Could not locate file: "https://huggingface.co/Xenova/some-model/resolve/main/config.json".'),
      hub,
    );
    expect(e.message).toMatch(/was not found on the Hub/);
  });
  it('says an embedded model is missing its files and how to make them', () => {
    const e = describeLoadError(new Error('Could not locate file: "/models/x/config.json".'), {
      source: 'local',
      id: 'x',
    });
    expect(e.hint).toMatch(/pnpm prepare-models/);
  });
  it('names an unsupported architecture', () => {
    const e = describeLoadError(new Error('Unsupported model type: whisper'), hub);
    expect(e.message).toMatch(/architecture transformers.js cannot load/);
  });
});

describe('task from config', () => {
  it('reads the task from the architecture, else the model type', () => {
    expect(taskFromConfig({ architectures: ['DistilBertForSequenceClassification'] })).toBe('classification');
    expect(taskFromConfig({ architectures: ['GPT2LMHeadModel'] })).toBe('generation');
    expect(taskFromConfig({ architectures: ['LlamaForCausalLM'] })).toBe('generation');
    expect(taskFromConfig({ model_type: 'gpt2' })).toBe('generation');
    expect(taskFromConfig({ architectures: ['BertForMaskedLM'], model_type: 'bert' })).toBeNull();
  });
  it('lists labels in id order', () => {
    expect(labelsFromConfig({ id2label: { '1': 'POSITIVE', '0': 'NEGATIVE' } })).toEqual(['NEGATIVE', 'POSITIVE']);
    expect(labelsFromConfig({})).toBeUndefined();
  });
});
