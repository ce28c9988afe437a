// The layering rule of STYLE.md, enforced: code under src/core, src/protocol, src/server and webview must not
// import 'vscode' at runtime (type-only imports are fine), so the engine runs in plain Node, in the CLI and in
// the language server's own process (which speaks LSP through vscode-languageserver instead).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'bench/data/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts', 'src/server/**/*.ts', 'src/cli.ts', 'webview/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'core, protocol, server, cli and webview code must not import vscode at runtime (use `import type`).', allowTypeImports: true }],
      }],
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']",
        message: 'core code must not require vscode.',
      }],
    },
  },
);
