import { q, validationError } from '../lib/aws-query.js';
import { ALIAS_PATTERN, ALIAS_PATTERN_TEXT, createAccountAliases } from './iam-aliases.js';
import { iamOperation, page } from './iam-api-support.js';
import { paging } from './iam-names.js';
import type { IamService } from './iam-types.js';

const aliasShape = q.string({
  required: true,
  min: 3,
  max: 63,
  pattern: ALIAS_PATTERN,
  patternText: ALIAS_PATTERN_TEXT,
});

/** The account's alias: IAM names no resource for these, so their resource is '*'. */
export function aliasOperations(iam: IamService) {
  const aliases = createAccountAliases(iam.db);
  return [
    iamOperation(iam, {
      name: 'CreateAccountAlias',
      input: { AccountAlias: aliasShape },
      resources: () => ['*'],
      async handle(input, req) {
        // The sign-in page takes an account id or an alias in one field, so an alias may not look like an id.
        if (/^\d{12}$/.test(input.AccountAlias))
          throw validationError(
            'An account alias cannot be a 12-digit number, which reads as an account id.',
          );
        await aliases.createAlias(req.principal.accountId, input.AccountAlias);
        return undefined;
      },
    }),
    iamOperation(iam, {
      name: 'ListAccountAliases',
      input: { ...paging },
      resources: () => ['*'],
      async handle(input, req) {
        const alias = await aliases.aliasOf(req.principal.accountId);
        const { items, ...rest } = page(alias === undefined ? [] : [alias], input);
        return { AccountAliases: items, ...rest };
      },
    }),
    iamOperation(iam, {
      name: 'DeleteAccountAlias',
      input: { AccountAlias: aliasShape },
      resources: () => ['*'],
      async handle(input, req) {
        await aliases.deleteAlias(req.principal.accountId, input.AccountAlias);
        return undefined;
      },
    }),
  ];
}
