import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Who may depend on whom (DESIGN.md): core on nothing; libraries downward; adapters never on each other or the app. */
const depConstraints = [
  { sourceTag: 'scope:core', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:lib', onlyDependOnLibsWithTags: ['scope:core', 'scope:lib'] },
  { sourceTag: 'scope:adapter', onlyDependOnLibsWithTags: ['scope:core', 'scope:lib'] },
  { sourceTag: 'scope:testkit', onlyDependOnLibsWithTags: ['scope:core', 'scope:lib'] },
  { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:core', 'scope:lib', 'scope:adapter'] },
  { sourceTag: 'scope:tool', onlyDependOnLibsWithTags: ['scope:core', 'scope:lib', 'scope:adapter', 'scope:testkit', 'scope:app'] },
];

/** Tests and test harnesses may also use the testkit (real-server fixtures, conformance suite). */
const testDepConstraints = depConstraints.map((constraint) =>
  constraint.sourceTag === 'scope:core' || constraint.sourceTag === 'scope:tool'
    ? constraint
    : { ...constraint, onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'scope:testkit'] },
);

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // noUncheckedIndexedAccess is on; indexed hot loops assert bounds they already checked.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.test.ts', '**/src/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: testDepConstraints }],
    },
  },
];
