import { useState } from "react";
import { type ChatSettings, settingLimits } from "../state/types";

interface SettingsPanelProps {
  settings: ChatSettings;
  onChange: (settings: ChatSettings) => void;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** System prompt and sampling settings for the next request. */
export function SettingsPanel({ settings, onChange }: SettingsPanelProps) {
  const { temperature, maxTokens } = settingLimits;
  const [maxTokensDraft, setMaxTokensDraft] = useState(String(settings.maxTokens));
  return (
    <section
      aria-label="Chat settings"
      className="grid gap-3 border-b border-zinc-200 bg-zinc-50 p-3 text-sm sm:grid-cols-[1fr_auto_auto] dark:border-zinc-800 dark:bg-zinc-900"
    >
      <label className="flex flex-col gap-1">
        <span className="font-medium">System prompt</span>
        <textarea
          rows={2}
          value={settings.systemPrompt}
          onChange={(event) => onChange({ ...settings, systemPrompt: event.target.value })}
          placeholder="Optional instructions for the model"
          className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-950"
        />
      </label>
      <label className="flex flex-col gap-1">
        <span className="font-medium">Temperature: {settings.temperature.toFixed(1)}</span>
        <input
          type="range"
          min={temperature.min}
          max={temperature.max}
          step={temperature.step}
          value={settings.temperature}
          onChange={(event) => onChange({ ...settings, temperature: Number(event.target.value) })}
          className="accent-sky-600"
        />
      </label>
      <label className="flex flex-col gap-1">
        <span className="font-medium">Max tokens</span>
        <input
          type="number"
          inputMode="numeric"
          min={maxTokens.min}
          max={maxTokens.max}
          step={maxTokens.step}
          value={maxTokensDraft}
          onChange={(event) => {
            // A draft lets the field be cleared and retyped; only valid numbers reach the settings.
            setMaxTokensDraft(event.target.value);
            const value = Number.parseInt(event.target.value, 10);
            if (Number.isFinite(value))
              onChange({ ...settings, maxTokens: clamp(value, maxTokens.min, maxTokens.max) });
          }}
          onBlur={() => setMaxTokensDraft(String(settings.maxTokens))}
          className="w-28 rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-950"
        />
      </label>
    </section>
  );
}
