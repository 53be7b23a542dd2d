import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** @actions/core's functions that write to the Actions log: only src/log.ts may call them. */
const LOG_WRITERS =
  '/^(info|warning|error|notice|debug|startGroup|endGroup|group|setFailed|setCommandEcho)$/';
const USE_THE_LOG =
  'Write to the Actions log through src/log.ts, which keeps text from AWS and git from becoming workflow commands.';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'demo-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The action's own code has one way to the log.
    files: ['src/**/*.ts'],
    ignores: ['src/log.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'stdout', message: USE_THE_LOG },
        { object: 'process', property: 'stderr', message: USE_THE_LOG },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@actions/core/*'], message: USE_THE_LOG }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `MemberExpression[object.name='core'][property.name=${LOG_WRITERS}]`,
          message: USE_THE_LOG,
        },
        {
          selector: `ImportDeclaration[source.value='@actions/core'] > ImportSpecifier[imported.name=${LOG_WRITERS}]`,
          message: USE_THE_LOG,
        },
        {
          // Passed on or taken apart, core's writers would escape the rule above.
          selector:
            "Identifier[name='core']:not(MemberExpression > Identifier.object, ImportNamespaceSpecifier > Identifier.local)",
          message: USE_THE_LOG,
        },
        {
          // So that the rules above see every use.
          selector: `ImportDeclaration[source.value='@actions/core'] > :matches(ImportDefaultSpecifier, ImportNamespaceSpecifier[local.name!='core'])`,
          message: "Import @actions/core as `import * as core from '@actions/core'`.",
        },
      ],
    },
  },
);
