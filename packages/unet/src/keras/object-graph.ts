import { DiffBattError, ProtoMessage } from '@diffbatt/core';

/**
 * TensorFlow's TrackableObjectGraph, stored in a checkpoint under `_CHECKPOINTABLE_OBJECT_GRAPH`: the
 * objects (model, layers, variables) with their named children, and for each variable its checkpoint
 * key and its full name (`conv1d_68/kernel`, `attention_block_13/dense_99/kernel`).
 */

export const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

export interface TrackableNode {
  children: { nodeId: number; localName: string }[];
  attributes: { name: string; fullName: string; checkpointKey: string }[];
}

export function parseObjectGraph(bytes: Uint8Array, file: string): TrackableNode[] {
  const graph = new ProtoMessage(bytes, { file, what: 'TrackableObjectGraph' });
  const nodes = graph.messages(1, 'node').map((node) => ({
    children: node
      .messages(1, 'child')
      .map((child) => ({ nodeId: child.int(1), localName: child.string(2) })),
    attributes: node.messages(2, 'attribute').map((attribute) => ({
      name: attribute.string(1),
      fullName: attribute.string(2),
      checkpointKey: attribute.string(3),
    })),
  }));
  for (const [id, node] of nodes.entries()) {
    for (const child of node.children) {
      if (child.nodeId >= nodes.length) {
        throw new DiffBattError(
          `TrackableObjectGraph: node ${id} names child "${child.localName}" as node ${child.nodeId}, but there are ${nodes.length} nodes`,
          { file },
        );
      }
    }
  }
  return nodes;
}

/** Checkpoint key -> variable full name, for every saved variable value in the graph. */
export function variableNamesByKey(nodes: readonly TrackableNode[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const node of nodes) {
    for (const attribute of node.attributes) {
      if (attribute.name === 'VARIABLE_VALUE') names.set(attribute.checkpointKey, attribute.fullName);
    }
  }
  return names;
}
