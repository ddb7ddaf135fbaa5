import 'reflect-metadata';
import { startChirp } from './start-chirp.js';

await startChirp(process.env);
