import type { TokenDto } from '../../../../src/http/management/schemas.js';
import { useDuplicateToken, useSetTokenState } from '../../api/mutations.js';
import { notifySuccess } from '../../lib/notify.js';
import { useShowNewSecret } from '../NewSecretDialog.js';

/** The one-click actions (no confirmation): duplicate, and switching a token on or off. */
export function useQuickTokenActions(accountId: string) {
  const duplicate = useDuplicateToken(accountId);
  const setState = useSetTokenState(accountId);
  const showNewSecret = useShowNewSecret();

  return {
    busy: duplicate.isPending || setState.isPending,
    duplicate: (token: TokenDto) =>
      duplicate.mutate(token.id, {
        onSuccess: (result) => {
          notifySuccess(`“${result.token.name}” was created with the same access rights.`, 'Token duplicated');
          showNewSecret({ ...result, reason: 'duplicated' });
        },
      }),
    toggleState: (token: TokenDto, label = token.name) => {
      const enable = token.state !== 'enabled';
      setState.mutate(
        { tokenId: token.id, enabled: enable },
        {
          onSuccess: () =>
            notifySuccess(
              enable
                ? `${label} can authenticate again. If it may have leaked while disabled, reset it now.`
                : `${label} can no longer authenticate; requests with it are refused at once.`,
              enable ? 'Token enabled' : 'Token disabled',
            ),
        },
      );
    },
  };
}
