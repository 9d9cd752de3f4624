// Integration tests need the throwaway stack `npm test` starts; running vitest alone fails loudly here.
import { stackEnv } from './stack.ts';

stackEnv();
