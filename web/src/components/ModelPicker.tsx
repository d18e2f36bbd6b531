import type { ModelOption } from "../api/client";

interface ModelPickerProps {
  models: ModelOption[];
  value: string;
  onChange: (model: string) => void;
}

/** "Auto (router decides)" or any model the gateway lists. */
export function ModelPicker({ models, value, onChange }: ModelPickerProps) {
  const ids = models.map((model) => model.id).filter((id) => id !== "auto");
  // Keep a saved choice visible even if the list has not loaded (or no longer has it).
  if (value !== "auto" && !ids.includes(value)) ids.unshift(value);
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="hidden sm:inline">Model</span>
      <select
        aria-label="Model"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        className="max-w-[11rem] rounded-md border border-zinc-300 bg-white px-2 py-1 sm:max-w-none dark:border-zinc-700 dark:bg-zinc-900"
      >
        <option value="auto">Auto (router decides)</option>
        {ids.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
      </select>
    </label>
  );
}
