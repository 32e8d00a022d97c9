// ESLint flat config. Type-aware: every TypeScript file is checked with the tsconfig that owns it
// (sandbox-runtime/ has its own), so rules about promises and exhaustiveness see the real types.
import tseslint from 'typescript-eslint';
import stylistic from '@stylistic/eslint-plugin';

export default tseslint.config(
  {
    ignores: [
      'node_modules/', 'dist/', '**/node_modules/',
      // plugin code that runs inside isolates (much of it hostile on purpose), not server code
      'plugins/', 'docs/examples/', 'bench/plugins/', 'test/fixtures/', 'test/hostile/plugins/',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's test()/describe() return promises the runner itself awaits
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      // a `default:` is a written decision about the remaining cases (e.g. `typeof v` refusing functions
      // and symbols); what this catches is a switch without one that misses a member of its union
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // A few more, chosen because they catch real mistakes at almost no cost in noise:
      // awaiting a value that is not a promise hides that an API became synchronous (or never was);
      '@typescript-eslint/await-thenable': 'error',
      // an assertion the checker does not need silences it the day the type really changes;
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // dead bindings are litter; a leading underscore marks one that is unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none',
      }],
    },
  },
  {
    // type tests declare values only to take their `typeof`, and import types to prove they are exported
    files: ['test/types/**'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    // scripts/preinstall.cjs runs on whatever Node the user has, before anything is installed: no types
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // Long lines: wrap them. Tests may exceed it (long assertion messages and inline plugin sources).
    files: ['src/**', 'sandbox-runtime/**', 'kong-driver/**', 'scripts/**', 'bench/**'],
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/max-len': ['error', {
        code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true,
      }],
    },
  },
);
