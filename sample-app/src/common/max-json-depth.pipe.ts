import {
  BadRequestException,
  Injectable,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';

/** Deepest body nesting accepted. Chirp's deepest legitimate body has depth 2. */
export const MAX_BODY_DEPTH = 32;

/**
 * Refuses request bodies nested deeper than {@link MAX_BODY_DEPTH} with a 400, before any
 * validation. class-transformer walks a body recursively (under `ValidationPipe` with
 * `transform`), so a 12 KB body of 2,500 nested objects would overflow the stack and answer
 * 500; this check walks it iteratively and stops at the first level too deep.
 */
@Injectable()
export class MaxJsonDepthPipe implements PipeTransform {
  /** @param max deepest nesting accepted. */
  constructor(private readonly max = MAX_BODY_DEPTH) {}

  /** Passes `value` through, or throws 400 when it is nested too deeply. */
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || typeof value !== 'object' || value === null) return value;
    const stack: Array<[unknown, number]> = [[value, 1]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      if (typeof node !== 'object' || node === null) continue;
      if (depth > this.max) throw new BadRequestException('Request body is nested too deeply');
      for (const child of Object.values(node)) stack.push([child, depth + 1]);
    }
    return value;
  }
}
