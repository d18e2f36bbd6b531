import { type ComponentProps, useRef, useState } from "react";
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";

/** A fenced code block with a copy button. */
function CodeBlock(props: ComponentProps<"pre">) {
  const { children, node: _node, ...rest } = props as ComponentProps<"pre"> & { node?: unknown };
  const ref = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(ref.current?.textContent ?? "");
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard refused (insecure context, permissions): the text stays selectable.
    }
  };
  return (
    <div className="group relative my-2">
      <button
        type="button"
        onClick={copy}
        aria-label="Copy code"
        className="absolute top-1.5 right-1.5 rounded bg-zinc-700/80 px-2 py-0.5 text-xs text-zinc-100 hover:bg-zinc-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-400"
      >
        {copied ? "Copied" : "Copy"}
      </button>
      <pre
        ref={ref}
        {...rest}
        className="overflow-x-auto rounded-md bg-zinc-900 p-3 pr-16 text-sm text-zinc-100"
      >
        {children}
      </pre>
    </div>
  );
}

/** Renders model output as GitHub-flavoured Markdown; raw HTML is never rendered. */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        rehypePlugins={[[rehypeHighlight, { detect: true, ignoreMissing: true }]]}
        components={{ pre: CodeBlock }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
