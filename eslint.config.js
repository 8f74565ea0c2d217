// Type-aware lint (the Functions Node library's choice): catches floating promises, unsafe any and
// misused awaits that tsc lets through.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.ledger/**', 'coverage/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      eqeqeq: 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON they wrote themselves and build odd strings on purpose.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/require-await': 'off',
      'no-control-regex': 'off',
    },
  },
  {
    // The page runs in the browser, and ledger text is never HTML there (issue 11's safety rule).
    files: ['web/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'ledger text is never HTML: build DOM with web/src/dom.ts el()' },
        { property: 'outerHTML', message: 'ledger text is never HTML: build DOM with web/src/dom.ts el()' },
        { property: 'insertAdjacentHTML', message: 'ledger text is never HTML: build DOM with web/src/dom.ts el()' },
        { object: 'document', property: 'write', message: 'document.write is banned in the page' },
        { object: 'document', property: 'writeln', message: 'document.write is banned in the page' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]", message: 'ledger text is never HTML' },
        { selector: "MemberExpression[computed=true][property.value=/^(innerHTML|outerHTML|insertAdjacentHTML)$/]", message: 'ledger text is never HTML' },
      ],
    },
  },
);
