// ESLint flat config: recommended JS + typescript-eslint, type-aware on the TypeScript that
// tsconfig.json covers (src, simulator, __tests__, scripts, examples). Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default defineConfig(
  globalIgnores(['dist/', 'build/', 'node_modules/', 'coverage/', '.tmp/']),

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,

  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname
      }
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The JSON boundary (API responses, --json, policy modules) is typed `unknown` and narrowed.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true
        }
      ],
      // Skip reasons and decisions are closed unions: a new member must be handled everywhere.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off'
    }
  },

  {
    // src/ is exactly what the bundles ship: the simulator (a test fixture) must never end up in
    // dist/, so nothing under src/ may import it. The simulator may import src/'s types.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/simulator', '**/simulator/**', '../simulator/*', '../../simulator/*'],
              message: 'src/ ships in dist/: it must not import the test simulator.'
            }
          ]
        }
      ]
    }
  },

  {
    // The house rules of what ships and of its simulator: files a newcomer can read in one sitting,
    // functions that fit on a screen or two.
    files: ['src/**/*.ts', 'simulator/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 600 }],
      'max-lines-per-function': ['error', { max: 120 }]
    }
  },

  {
    // What ships: every file reads in one sitting and every function on one screen (issue #16:
    // 400 and 80 lines at most).
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 80 }]
    }
  },

  {
    // No import circle in src/ (issue #16): each module can be read knowing only what it imports.
    // The rule skips type-only imports; __tests__/imports.test.ts holds those to the same line.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/external-module-folders': ['node_modules'],
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts'], extensionAlias: { '.js': ['.ts', '.js'] } })
      ]
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] }
  },

  {
    // Tests build fixtures loosely and hand jest matchers (`expect.any(...)`) around.
    files: ['__tests__/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/unbound-method': 'off'
    }
  },

  {
    // Plain JavaScript (config files, scripts/*.mjs, examples/*.js) is outside tsconfig.json:
    // lint it without type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked]
  }
)
