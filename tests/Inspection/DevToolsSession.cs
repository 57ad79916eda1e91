using System.Diagnostics;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text.Json;

namespace Autograd.Tests.Inspection;

/// <summary>
/// A headless Chromium driven over the DevTools protocol (a WebSocket of JSON commands, the BCL's
/// <see cref="ClientWebSocket"/>): navigate, evaluate script, and move the mouse as a user would, so that a page's
/// event handlers (hover) run for real. For tests only; one page per browser.
/// </summary>
internal sealed class DevToolsSession : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _browser;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    public DevToolsSession(string profile)
    {
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(HeadlessChromium.Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     $"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1280,900", "about:blank" })
            start.ArgumentList.Add(arg);
        _browser = Process.Start(start)!;
        _browser.OutputDataReceived += (_, _) => { };
        _browser.ErrorDataReceived += (_, _) => { };
        _browser.BeginOutputReadLine();
        _browser.BeginErrorReadLine();

        // The browser writes the port it chose into the profile as its first line.
        string portFile = Path.Combine(profile, "DevToolsActivePort");
        var clock = Stopwatch.StartNew();
        string? port = null;
        while (port is null)
        {
            if (_browser.HasExited) throw new InvalidOperationException($"chromium exited with {_browser.ExitCode} before it listened");
            if (clock.Elapsed > Timeout) throw new TimeoutException("chromium did not open its DevTools port within 60 s");
            try { port = File.ReadAllLines(portFile).FirstOrDefault(l => l.Length > 0); }
            catch (IOException) { }
            if (port is null) Thread.Sleep(50);
        }
        using var http = new HttpClient { Timeout = Timeout };
        using var targets = JsonDocument.Parse(http.GetStringAsync($"http://127.0.0.1:{port}/json/list").GetAwaiter().GetResult());
        string socketUrl = targets.RootElement.EnumerateArray()
            .First(t => t.GetProperty("type").GetString() == "page").GetProperty("webSocketDebuggerUrl").GetString()!;
        _socket.ConnectAsync(new Uri(socketUrl), CancellationToken.None).Wait(Timeout);
    }

    /// <summary>Sends one command and returns its result, skipping the events that arrive meanwhile.</summary>
    public JsonElement Send(string method, object parameters)
    {
        int id = ++_nextId;
        byte[] request = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters });
        _socket.SendAsync(request, WebSocketMessageType.Text, true, CancellationToken.None).Wait(Timeout);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult part;
            do
            {
                var task = _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (!task.Wait(Timeout)) throw new TimeoutException($"no answer to {method} within 60 s");
                part = task.Result;
                message.Write(buffer, 0, part.Count);
            } while (!part.EndOfMessage);
            using var reply = JsonDocument.Parse(message.ToArray());
            if (!reply.RootElement.TryGetProperty("id", out var replyId) || replyId.GetInt32() != id) continue;
            if (reply.RootElement.TryGetProperty("error", out var error))
                throw new InvalidOperationException($"{method}: {error}");
            return reply.RootElement.GetProperty("result").Clone();
        }
    }

    /// <summary>The value of a script expression, as JSON.</summary>
    public JsonElement Evaluate(string expression)
    {
        var result = Send("Runtime.evaluate", new { expression, returnByValue = true }).GetProperty("result");
        return result.TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    /// <summary>Opens <paramref name="url"/> and waits until that document (not the one before it, also complete) and its
    /// scripts have loaded.</summary>
    public void Navigate(string url)
    {
        Send("Page.navigate", new { url });
        var clock = Stopwatch.StartNew();
        string loaded = $"document.readyState === 'complete' && location.href === {JsonSerializer.Serialize(url)}";
        while (!Evaluate(loaded).GetBoolean())
        {
            if (clock.Elapsed > Timeout) throw new TimeoutException($"{url} did not load within 60 s");
            Thread.Sleep(20);
        }
    }

    /// <summary>Moves the mouse pointer to (x, y) in CSS pixels, as a user's mouse would (enter and leave events follow).</summary>
    public void MoveMouse(double x, double y) => Send("Input.dispatchMouseEvent", new { type = "mouseMoved", x, y });

    public void Dispose()
    {
        _socket.Dispose();
        if (!_browser.HasExited) _browser.Kill(entireProcessTree: true);
        _browser.WaitForExit(10_000);
        _browser.Dispose();
    }
}
