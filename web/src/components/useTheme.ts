import { useEffect } from "react";
import type { Theme } from "../state/types";

/** Applies the theme as a `dark` class on <html> (Tailwind's dark variant keys off it). */
export function useTheme(theme: Theme): void {
  useEffect(() => {
    const media = window.matchMedia?.("(prefers-color-scheme: dark)");
    const apply = () => {
      const dark = theme === "dark" || (theme === "system" && media?.matches === true);
      document.documentElement.classList.toggle("dark", dark);
    };
    apply();
    media?.addEventListener?.("change", apply);
    return () => media?.removeEventListener?.("change", apply);
  }, [theme]);
}

export const nextTheme: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
