/**
 * The page theme: follows the system (`prefers-color-scheme`) until the user picks light or dark with the
 * toggle; the choice is kept in localStorage. The page's CSS reads `data-theme` on <html>; the elements get
 * the resolved theme as their `theme` property.
 */
export type ThemeChoice = 'auto' | 'light' | 'dark';
export type ResolvedTheme = 'light' | 'dark';

export const THEME_KEY = 'interpreto-playground-theme';

/** The theme to draw: the user's choice, or the system's when the choice is 'auto'. */
export function resolveTheme(choice: ThemeChoice, systemDark: boolean): ResolvedTheme {
  return choice === 'auto' ? (systemDark ? 'dark' : 'light') : choice;
}

/** The next choice of the toggle: auto -> the opposite of what auto shows -> the other -> auto. */
export function nextThemeChoice(choice: ThemeChoice, systemDark: boolean): ThemeChoice {
  if (choice === 'auto') return systemDark ? 'light' : 'dark';
  const other: ResolvedTheme = choice === 'dark' ? 'light' : 'dark';
  return resolveTheme('auto', systemDark) === other ? 'auto' : other;
}

function readChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

/** Holds the choice, listens to the system setting, and tells the page (data-theme) and the app (onChange). */
export class ThemeController {
  choice: ThemeChoice = readChoice();
  private readonly media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

  constructor(private readonly onChange: (theme: ResolvedTheme) => void) {
    this.media?.addEventListener('change', () => this.apply());
    this.apply();
  }

  get theme(): ResolvedTheme {
    return resolveTheme(this.choice, this.media?.matches ?? false);
  }

  toggle(): void {
    this.choice = nextThemeChoice(this.choice, this.media?.matches ?? false);
    try {
      if (this.choice === 'auto') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, this.choice);
    } catch {
      // Storage may be disabled (private mode): the choice then lasts for this page only.
    }
    this.apply();
  }

  private apply(): void {
    const theme = this.theme;
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
    this.onChange(theme);
  }
}
