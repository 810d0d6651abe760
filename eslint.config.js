import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'tmp/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {globals: {process: 'readonly', console: 'readonly', URL: 'readonly'}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-console': 'error',
    },
  },
  {
    files: ['src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          name: '@oclif/core',
          message:
            "Import from a subpath ('@oclif/core/command', '/flags', '/args', '/errors', '/help', '/run', '/ux'): the index loads all of oclif on every people command (scripts/bundle.ts).",
        },
      ],
    },
  },
  {files: ['scripts/**', 'test/**', 'bin/**'], rules: {'no-console': 'off'}},
)
