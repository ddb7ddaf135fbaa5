import { CreateChirpPosts1795813200000 } from './1795813200000-create-chirp-posts.js';

/** Chirp's own migrations, run at start-up after the library's `SESSION_MIGRATIONS`. */
export const CHIRP_MIGRATIONS = [CreateChirpPosts1795813200000];
