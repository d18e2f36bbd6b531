"""Real Python clients against the Switchyard edge, one check per invocation.

Usage: python_clients.py CHECK  (SWITCHYARD_BASE_URL, SWITCHYARD_API_KEY, SWITCHYARD_MODEL in the
environment). Prints one JSON object with what the client returned; the vitest test
(clients.test.ts) asserts on it. Nothing is faked: every call goes to the edge and a real model.
"""

import json
import os
import sys

BASE_URL = os.environ["SWITCHYARD_BASE_URL"]  # .../v1
API_KEY = os.environ["SWITCHYARD_API_KEY"]
MODEL = os.environ["SWITCHYARD_MODEL"]

WEATHER_PARAMS = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 16},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Current weather in a city", "parameters": WEATHER_PARAMS},
}
ASK_WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]
PERSON_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 12}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


def openai_client():
    from openai import OpenAI

    return OpenAI(base_url=BASE_URL, api_key=API_KEY, max_retries=0, timeout=600)


def check_openai_chat():
    client = openai_client()
    r = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Say hello."}], max_tokens=6, temperature=0
    )
    chunks, text, usage = 0, "", None
    for chunk in client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Name a colour."}],
        max_tokens=6,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    ):
        chunks += 1
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
        if chunk.usage:
            usage = chunk.usage.completion_tokens
    return {
        "content": r.choices[0].message.content,
        "finish": r.choices[0].finish_reason,
        "model": r.model,
        "stream_text": text,
        "stream_chunks": chunks,
        "stream_usage": usage,
    }


def check_openai_tools():
    client = openai_client()
    r = client.chat.completions.create(
        model=MODEL,
        messages=ASK_WEATHER,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=40,
        temperature=0,
    )
    call = r.choices[0].message.tool_calls[0]
    streamed = {}
    finish = None
    for chunk in client.chat.completions.create(
        model=MODEL, messages=ASK_WEATHER, tools=[WEATHER_TOOL], tool_choice="required",
        max_tokens=40, temperature=0, stream=True,
    ):
        if not chunk.choices:
            continue
        for d in chunk.choices[0].delta.tool_calls or []:
            entry = streamed.setdefault(d.index, {"id": None, "name": "", "arguments": ""})
            entry["id"] = d.id or entry["id"]
            if d.function and d.function.name:
                entry["name"] += d.function.name
            if d.function and d.function.arguments:
                entry["arguments"] += d.function.arguments
        finish = chunk.choices[0].finish_reason or finish
    s = streamed[0]
    # The agent loop's second turn: the tool result goes back with role "tool".
    follow = client.chat.completions.create(
        model=MODEL,
        messages=[
            *ASK_WEATHER,
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 degrees"},
        ],
        tools=[WEATHER_TOOL],
        max_tokens=12,
        temperature=0,
    )
    return {
        "finish": r.choices[0].finish_reason,
        "name": call.function.name,
        "id": call.id,
        "arguments": json.loads(call.function.arguments),
        "stream_finish": finish,
        "stream_name": s["name"],
        "stream_id": s["id"],
        "stream_arguments": json.loads(s["arguments"]),
        "follow_finish": follow.choices[0].finish_reason,
    }


def check_openai_json():
    from pydantic import BaseModel, Field

    class Person(BaseModel):
        name: str = Field(max_length=12)
        age: int

    client = openai_client()
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Describe a person as JSON."}],
        response_format={"type": "json_schema", "json_schema": {"name": "person", "strict": True, "schema": PERSON_SCHEMA}},
        max_tokens=40,
        temperature=0,
    )
    parsed = client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": "Describe a person."}],
        response_format=Person,
        max_tokens=40,
        temperature=0,
    )
    person = parsed.choices[0].message.parsed
    return {
        "raw": json.loads(r.choices[0].message.content),
        "parsed": person.model_dump() if person else None,
    }


def check_openai_models():
    client = openai_client()
    ids = [m.id for m in client.models.list()]
    model = client.models.retrieve(MODEL)
    missing = None
    try:
        client.models.retrieve("no-such-model")
    except Exception as e:  # openai.NotFoundError
        missing = type(e).__name__
    try:
        client.chat.completions.create(model=MODEL, messages=ASK_WEATHER, logprobs=True, max_tokens=4)
        refused = None
    except Exception as e:  # openai.BadRequestError
        refused = {"type": type(e).__name__, "param": getattr(e, "param", None), "code": getattr(e, "code", None)}
    return {"ids": ids, "retrieved": model.id, "missing": missing, "refused": refused}


def check_langchain():
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from pydantic import BaseModel, Field

    llm = ChatOpenAI(model=MODEL, base_url=BASE_URL, api_key=API_KEY, temperature=0, max_tokens=8, max_retries=0)
    reply = llm.invoke("Say hello.")
    streamed = [c.content for c in llm.stream("Name a fruit.")]

    @tool
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return "sunny"

    tooled = ChatOpenAI(model=MODEL, base_url=BASE_URL, api_key=API_KEY, temperature=0, max_tokens=40, max_retries=0)
    called = tooled.bind_tools([get_weather], tool_choice="get_weather").invoke("What is the weather in Paris?")

    class Person(BaseModel):
        """A person."""

        name: str = Field(max_length=12)
        age: int

    structured = {}
    for method in ["json_schema", "function_calling"]:
        person = tooled.with_structured_output(Person, method=method).invoke("Describe a person.")
        structured[method] = person.model_dump()
    return {
        "content": reply.content,
        "stream_pieces": len(streamed),
        "stream_text": "".join(streamed),
        "tool_calls": [{"name": c["name"], "args": c["args"]} for c in called.tool_calls],
        "structured": structured,
    }


def check_llamaindex():
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    chat = OpenAILike(model=MODEL, api_base=BASE_URL, api_key=API_KEY, is_chat_model=True, max_tokens=8, temperature=0)
    reply = chat.chat([ChatMessage(role="user", content="Say hello.")])
    streamed = "".join(r.delta or "" for r in chat.stream_chat([ChatMessage(role="user", content="Name a fruit.")]))
    # Its defaults: OpenAILike is then a completion model and calls /v1/completions.
    plain = OpenAILike(model=MODEL, api_base=BASE_URL, api_key=API_KEY, max_tokens=8, temperature=0)
    completed = plain.complete("Once upon a time")
    completed_stream = "".join(r.delta or "" for r in plain.stream_complete("The sky is"))
    return {
        "chat": reply.message.content,
        "chat_stream": streamed,
        "complete": completed.text,
        "complete_stream": completed_stream,
    }


def check_litellm():
    import litellm

    common = {"model": f"openai/{MODEL}", "api_base": BASE_URL, "api_key": API_KEY, "temperature": 0}
    r = litellm.completion(messages=[{"role": "user", "content": "Say hello."}], max_tokens=6, **common)
    text = "".join(
        (c.choices[0].delta.content or "")
        for c in litellm.completion(messages=[{"role": "user", "content": "Name a fruit."}], max_tokens=6, stream=True, **common)
    )
    t = litellm.completion(
        messages=ASK_WEATHER,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=40,
        **common,
    )
    call = t.choices[0].message.tool_calls[0]
    return {
        "content": r.choices[0].message.content,
        "stream_text": text,
        "tool_name": call.function.name,
        "tool_arguments": json.loads(call.function.arguments),
        "finish": t.choices[0].finish_reason,
    }


if __name__ == "__main__":
    name = sys.argv[1]
    print(json.dumps(globals()[f"check_{name}"]()))
