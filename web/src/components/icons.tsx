/**
 * The few line icons the UI needs, drawn inline (24×24, currentColor) so no icon font or package is loaded.
 * They are decorative: the buttons that hold them carry the accessible name.
 */
import type { SVGProps } from 'react';

type IconProps = Omit<SVGProps<SVGSVGElement>, 'children'> & { size?: number };

function icon(paths: string[], displayName: string) {
  // biome-ignore lint/correctness/noComponentHookFactories: icon() runs once per icon when the module loads, never while rendering.
  const Icon = ({ size = 18, ...props }: IconProps) => (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...props}
    >
      {paths.map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
  Icon.displayName = displayName;
  return Icon;
}

export const CopyIcon = icon(['M8 8h11v11H8z', 'M16 8V5H5v11h3'], 'CopyIcon');
export const CheckIcon = icon(['M5 12l5 5L20 7'], 'CheckIcon');
export const DotsIcon = icon(['M12 5h.01', 'M12 12h.01', 'M12 19h.01'], 'DotsIcon');
export const EyeIcon = icon(['M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z', 'M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z'], 'EyeIcon');
export const EyeOffIcon = icon(['M3 3l18 18', 'M10.6 5.1A10.6 10.6 0 0 1 12 5c6.5 0 10 7 10 7a17 17 0 0 1-3.2 4.1', 'M6.6 6.6C3.8 8.4 2 12 2 12s3.5 7 10 7a9.9 9.9 0 0 0 5.4-1.6', 'M9.9 9.9a3 3 0 0 0 4.2 4.2'], 'EyeOffIcon');
export const SearchIcon = icon(['M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14z', 'M20 20l-4-4'], 'SearchIcon');
export const PlusIcon = icon(['M12 5v14', 'M5 12h14'], 'PlusIcon');
export const KeyIcon = icon(['M8 11a4 4 0 1 0 0 8 4 4 0 0 0 0-8z', 'M10.8 12.2L19 4', 'M16 7l2 2', 'M14 9l1.5 1.5'], 'KeyIcon');
export const ShieldIcon = icon(['M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z', 'M9 12l2 2 4-4'], 'ShieldIcon');
export const AlertIcon = icon(['M12 3L2 20h20z', 'M12 10v4', 'M12 17h.01'], 'AlertIcon');
export const ArrowLeftIcon = icon(['M19 12H5', 'M11 6l-6 6 6 6'], 'ArrowLeftIcon');
export const LogoutIcon = icon(['M15 4h4v16h-4', 'M10 8l-4 4 4 4', 'M6 12h11'], 'LogoutIcon');
export const SettingsIcon = icon(['M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z', 'M4 12h2', 'M18 12h2', 'M12 4v2', 'M12 18v2', 'M6.3 6.3l1.4 1.4', 'M16.3 16.3l1.4 1.4', 'M6.3 17.7l1.4-1.4', 'M16.3 7.7l1.4-1.4'], 'SettingsIcon');
export const RefreshIcon = icon(['M20 11a8 8 0 0 0-14.9-3', 'M4 4v4h4', 'M4 13a8 8 0 0 0 14.9 3', 'M20 20v-4h-4'], 'RefreshIcon');
export const InboxIcon = icon(['M4 13l2-8h12l2 8', 'M4 13v6h16v-6', 'M4 13h5l1 2h4l1-2h5'], 'InboxIcon');
