import type { Command } from 'commander';
import { registerBatch } from './batch.ts';
import { registerConvert } from './convert.ts';
import { registerDemo } from './demo.ts';
import { registerExport } from './export.ts';
import { registerHeads } from './heads.ts';
import { registerInfo } from './info.ts';
import { registerPathways } from './pathways.ts';
import { registerPhantom } from './phantom.ts';
import { registerPreview } from './preview.ts';
import { registerSegment } from './segment.ts';
import { registerServe } from './serve.ts';
import { registerWorker } from './worker.ts';
import { registerVerify } from './verify.ts';
import { registerWrap } from './wrap.ts';

/** Each entry adds one subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerInfo, registerPhantom, registerSegment, registerWrap, registerPathways, registerExport, registerHeads, registerDemo, registerServe, registerBatch, registerWorker, registerConvert, registerVerify, registerPreview];
