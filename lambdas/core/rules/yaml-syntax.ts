/**
 * YAML's nodes (the `yaml` package's) as the node readers see them (yaml-nodes.ts): for rule files, the engine
 * configuration and `createEngine(config)`. Only the modules that parse YAML import this one.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode } from 'yaml';
import type { MapNode, NodeSyntax, ScalarNode, SeqNode, SourceNode } from './yaml-nodes.js';

/** Aliases one value may expand (an alias bomb stops here with a located error). */
const MAX_ALIAS_COUNT = 100;

/** The syntax of `doc`'s nodes; `lineCounter` (from parsing its text) places them, without one every node is at 1:1. */
export function yamlSyntax(doc: Document, lineCounter: LineCounter | undefined): NodeSyntax {
  return {
    isMap: (node): node is MapNode => isMap(node),
    isSeq: (node): node is SeqNode => isSeq(node),
    isScalar: (node): node is ScalarNode => isScalar(node),
    deref: (node) => (isAlias(node) ? ((node.resolve(doc) as SourceNode | undefined) ?? null) : ((node as SourceNode | null | undefined) ?? null)),
    toJS: (node) => (node as YamlNode).toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }),
    linePos: (offset) => lineCounter?.linePos(offset) ?? { line: 1, col: 1 },
  };
}
