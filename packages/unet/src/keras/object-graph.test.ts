import { describe, expect, it } from 'vitest';
import { encodeObjectGraph, pb } from './fixtures/synthetic.js';
import { parseObjectGraph, variableNamesByKey } from './object-graph.js';

describe('TrackableObjectGraph (synthetic)', () => {
  it('maps every checkpoint key to the variable full name', () => {
    const graph = encodeObjectGraph([
      {
        checkpointKey: 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
        fullName: 'conv1d_68/kernel',
      },
      {
        checkpointKey: 'variables/66/.ATTRIBUTES/VARIABLE_VALUE',
        fullName: 'attention_block_13/dense_99/bias',
      },
    ]);
    const nodes = parseObjectGraph(graph, 'synthetic.data');
    expect(nodes).toHaveLength(3);
    expect(nodes[0]!.children).toEqual([
      { nodeId: 1, localName: 'variable-0' },
      { nodeId: 2, localName: 'variable-1' },
    ]);
    expect(variableNamesByKey(nodes)).toEqual(
      new Map([
        ['layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE', 'conv1d_68/kernel'],
        ['variables/66/.ATTRIBUTES/VARIABLE_VALUE', 'attention_block_13/dense_99/bias'],
      ]),
    );
  });

  it('ignores attributes that are not variable values, and refuses dangling child references', () => {
    const other = pb.message(1, pb.message(2, pb.bytes(1, 'OBJECT_CONFIG_JSON'), pb.bytes(3, 'k')));
    expect(variableNamesByKey(parseObjectGraph(other, 'x'))).toEqual(new Map());
    const dangling = pb.message(1, pb.message(1, pb.varint(1, 5), pb.bytes(2, 'layer-0')));
    expect(() => parseObjectGraph(dangling, 'x')).toThrow(
      'x: TrackableObjectGraph: node 0 names child "layer-0" as node 5, but there are 1 nodes',
    );
  });
});
