// The lint step of `npm test` (scripts/test.sh). A few rules that catch bugs the type checker does
// not, type-aware so they see what a call returns; formatting and style are left alone.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Rules that need no type information: every file, TypeScript and plain JavaScript. */
const syntactic = {
  // An unused import or variable is dead code or a forgotten use. A leading `_` marks a parameter
  // the signature requires but the body does not read (and `const { a: _a, ...rest }`).
  '@typescript-eslint/no-unused-vars': [
    'error',
    { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
  ],
};

/** Rules that need the type checker. */
const typeAware = {
  // A promise nobody awaits or handles loses its rejection (an unhandled rejection ends the
  // process) and its ordering. Deliberate fire-and-forget is written `void promise`, with a why.
  '@typescript-eslint/no-floating-promises': 'error',
  // A promise where a plain value is expected: `if (promise)`, or an async function handed to a
  // caller that ignores what it returns (setTimeout, an event emitter, http.createServer), whose
  // rejection then goes unhandled. Fastify hooks and routes are typed to accept promises, so they pass.
  '@typescript-eslint/no-misused-promises': 'error',
  // `await` on something that is not a promise means the author thought it was one.
  '@typescript-eslint/await-thenable': 'error',
  // Throw and reject with Error objects only (src/errors.ts's family): a thrown string has no stack.
  // Passing on a caught error (of type unknown) as it is stays allowed, as for `throw error`.
  '@typescript-eslint/only-throw-error': 'error',
  '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
  // `import type` for what is only a type: no runtime import (with verbatimModuleSyntax, a value
  // import is kept in the output and loads the module), and the file shows what it really uses.
  // `typeof import('x')` in a type loads nothing, so it stays allowed (typing a require()).
  '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
};

const DOUBLE_CAST = 'bypasses the type checker. Parse the value (zod) or write a typed adapter for the library type.';

/** src/ only: no value enters the product untyped. Tests may poke at untyped JSON. */
const productOnly = {
  // `as unknown as T` turns any value into any type without a check.
  'no-restricted-syntax': [
    'error',
    { selector: 'TSAsExpression > TSAsExpression.expression > TSUnknownKeyword.typeAnnotation', message: `\`as unknown as T\` ${DOUBLE_CAST}` },
    { selector: 'TSTypeAssertion > TSTypeAssertion.expression > TSUnknownKeyword.typeAnnotation', message: `\`<T><unknown>x\` ${DOUBLE_CAST}` },
  ],
  // `any` switches the checker off for everything it touches: neither written nor leaked in from
  // JSON.parse, Array.isArray on unknown, an untyped `new Map()` and the like.
  '@typescript-eslint/no-explicit-any': 'error',
  '@typescript-eslint/no-unsafe-argument': 'error',
  '@typescript-eslint/no-unsafe-assignment': 'error',
  '@typescript-eslint/no-unsafe-call': 'error',
  '@typescript-eslint/no-unsafe-member-access': 'error',
  '@typescript-eslint/no-unsafe-return': 'error',
  // Output goes through the pino logger (src/logger.ts), which redacts credentials, or through an
  // explicit process.stdout/stderr write in the CLI.
  'no-console': 'error',
};

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'public/**', 'data/**', '**/*.d.ts'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    // TypeScript: the files tsconfig.json covers, checked against its program.
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: { ...syntactic, ...typeAware },
  },
  { files: ['src/**/*.ts'], rules: productOnly },
  {
    // Plain JavaScript (bin/, scripts/, this file): no type information, only the syntactic rules.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: syntactic,
  },
);
