import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Markdown } from "./Markdown";

describe("Markdown", () => {
  it("highlights fenced code and copies it with the button", async () => {
    const user = userEvent.setup(); // installs a clipboard stub on navigator
    const { container } = render(<Markdown text={"Try this:\n\n```js\nconst answer = 42;\n```\n"} />);
    const code = container.querySelector("pre code");
    expect(code).toHaveClass("hljs");
    expect(code?.querySelector(".hljs-keyword")).toHaveTextContent("const");

    await user.click(screen.getByRole("button", { name: "Copy code" }));
    await expect(navigator.clipboard.readText()).resolves.toBe("const answer = 42;\n");
    expect(screen.getByRole("button", { name: "Copy code" })).toHaveTextContent("Copied");
  });

  it("renders GitHub-flavoured Markdown but never raw HTML from the model", () => {
    const { container } = render(
      <Markdown text={"| a | b |\n|---|---|\n| 1 | 2 |\n\n<img src=x onerror=alert(1)> <b>bold?</b>"} />,
    );
    expect(container.querySelector("table")).not.toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
  });
});
