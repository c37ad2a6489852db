import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'node_modules/', 'data/', 'test-output/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use node:crypto: every secret, handle and nonce needs a CSPRNG.' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // STYLE.md §2, §5: repositories are the only TypeORM callers. Entities need its decorators,
    // modules TypeOrmModule.forFeature, and src/database is the DataSource and migrations itself.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.repository.ts', 'src/**/*.entity.ts', 'src/database/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'typeorm', message: 'Call TypeORM from a <name>.repository.ts of the module that owns the table.' },
            { name: '@nestjs/typeorm', message: 'Inject repositories in a <name>.repository.ts; modules register entities with TypeOrmModule.forFeature.' },
          ],
        },
      ],
    },
  },
  {
    // STYLE.md §2: modules share exported services, never each other's repositories. A module's
    // own repository sits in its folder or below it, so reaching one through '../' crosses over.
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../**/*.repository.js'], message: "Use the owning module's exported service, not its repository." }] },
      ],
    },
  },
  {
    files: ['src/**/*.module.ts'],
    ignores: ['src/database/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'typeorm', message: 'Call TypeORM from a <name>.repository.ts of the module that owns the table.' }] }],
    },
  },
  {
    // OpenID core stays framework-free (DESIGN.md, "Rules of the house").
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@nestjs/*', 'typeorm', 'fastify', '@fastify/*', 'pg'] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/protocol takes its inputs as arguments.' }],
    },
  },
);
