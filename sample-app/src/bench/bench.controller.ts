import { Controller, Get } from '@nestjs/common';
import { Public, RequirePermission } from 'nest-sessions';

/** The tiny answer both benchmark routes give. */
export interface BenchAnswer {
  readonly ok: true;
}

function answer(): BenchAnswer {
  return { ok: true };
}

/**
 * Routes for `npm run bench`: the same handler twice, once behind the session guard with a
 * permission check and once `@Public()`, so that the difference between the two is what the
 * guard costs (the public twin is the benchmark's ceiling). Mounted only when asked for (see
 * {@link BenchModule}).
 */
@Controller('bench')
export class BenchController {
  /** Needs a session holding `posts:like`, like liking a post. */
  @RequirePermission('posts:like')
  @Get('guarded')
  guarded(): BenchAnswer {
    return answer();
  }

  /** The same answer with the guard skipped: the ceiling. */
  @Public()
  @Get('public')
  public(): BenchAnswer {
    return answer();
  }
}
