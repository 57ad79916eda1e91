using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Autograd.Tests.Inspection;

/// <summary>Debian's <c>chromium</c> (or Ubuntu's <c>chromium-browser</c>) in /usr/bin.</summary>
internal static class HeadlessChromium
{
    public static readonly string? Path = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    /// <summary>Loads <paramref name="url"/> headless, lets its scripts run, and returns the serialised DOM.</summary>
    public static string DumpDom(string url, string profile)
    {
        var start = new ProcessStartInfo(Path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     $"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", url })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string dom = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish loading {url} within 120 s");
        }
        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {stderr.Result}");
        Assert.False(string.IsNullOrWhiteSpace(dom), $"chromium printed no DOM for {url}: {stderr.Result}");
        return dom;
    }
}

/// <summary>A fact that needs a headless chromium; where none is installed it is reported as skipped, with the reason
/// and the install command, never silently passed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Path is null)
            Skip = "needs a headless browser: neither /usr/bin/chromium nor /usr/bin/chromium-browser exists (install Debian's chromium: apt-get install chromium)";
    }
}

/// <summary>The HTML page of ToHtml opened in a real headless browser: stepping the slider shows the right gradient.</summary>
public sealed partial class HtmlBrowserTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("autograd-html-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex("""<td id="(step-term-\d+-\w+)">([^<]*)</td>""")]
    private static partial Regex Cell();

    [GeneratedRegex("""<g class="([^"]*)" id="ag-(\w+)" data-id""")]
    private static partial Regex NodeClass();

    private static Dictionary<string, string> Cells(string dom) =>
        Cell().Matches(dom).ToDictionary(m => m.Groups[1].Value, m => System.Net.WebUtility.HtmlDecode(m.Groups[2].Value));

    private static string Highlighted(string dom, string cls) =>
        Assert.Single(NodeClass().Matches(dom), m => m.Groups[1].Value.Split(' ').Contains(cls)).Groups[2].Value;

    /// <summary>micrograd's example, e = a·b, d = e + c, L = d·f with a = 2, b = −3, c = 10, f = −2, with its graph page
    /// written to a file.</summary>
    private (Tensor<double> A, Tensor<double> B, Tensor<double> F, Tensor<double> E, Tensor<double> Loss, string Url) MicrogradPage()
    {
        var a = Tensor.Scalar(2.0, requiresGrad: true);
        var b = Tensor.Scalar(-3.0, requiresGrad: true);
        var c = Tensor.Scalar(10.0, requiresGrad: true);
        var f = Tensor.Scalar(-2.0, requiresGrad: true);
        var e = a * b;
        var loss = (e + c) * f;
        string file = Path.Combine(_dir, "graph.html");
        File.WriteAllText(file, loss.ToHtml());
        return (a, b, f, e, loss, new Uri(file).AbsoluteUri);
    }

    [ChromiumFact]
    public void SteppingTheSliderShowsTheEnginesGradients()
    {
        var (a, b, f, _, loss, url) = MicrogradPage();
        loss.Backward(); // the oracle: the engine's gradients
        string Expected(Tensor<double> t) => TensorValues.Of(t.Grad!).ToString();

        // Steps run in backward order: 0 is L = d·f (n2), 1 is d = e + c (n1), 2 is e = a·b (n0).
        // Step 2: slot 0 is a, ∂L/∂a = ∂L/∂e · b = −2 · −3 = 6; slot 1 is b, ∂L/∂b = −2 · 2 = −4.
        string dom = HeadlessChromium.DumpDom(url + "?step=2", Path.Combine(_dir, "profile"));
        var cells = Cells(dom);
        Assert.Equal(Expected(a), cells["step-term-0-accumulated"]);
        Assert.Equal(Expected(b), cells["step-term-1-accumulated"]);
        Assert.Equal("[6]", cells["step-term-0-accumulated"]);
        Assert.Equal("[-3]", cells["step-term-0-local"]);
        Assert.EndsWith(" = [6]", cells["step-term-0-product"]);
        Assert.Equal("n0", Highlighted(dom, "current"));
        Assert.Contains("step 3 of 3", dom);

        // No query: step 0, L = d·f; slot 1 is f, ∂L/∂f = d = 4.
        dom = HeadlessChromium.DumpDom(url, Path.Combine(_dir, "profile"));
        cells = Cells(dom);
        Assert.Equal(Expected(f), cells["step-term-1-accumulated"]);
        Assert.Equal("n2", Highlighted(dom, "current"));
    }

    [ChromiumFact]
    public void HoveringABoxShowsItsFormulasAndLeavingItHidesThem()
    {
        // e = a·b, L = (e + c)·f. The oracle is the engine's own graph view: every input's formula of a node, as
        // Node.Edges gives it, must be in the box's hover text, and the node's name and op in its first line.
        var (_, _, _, e, loss, url) = MicrogradPage();
        using var browser = new DevToolsSession(Path.Combine(_dir, "devtools-profile"));
        browser.Navigate(url);
        bool TipHidden() => browser.Evaluate("document.getElementById('tooltip').hidden").GetBoolean();
        string Tip() => browser.Evaluate("document.getElementById('tooltip').textContent").GetString()!;
        (double X, double Y) Centre(string id)
        {
            var r = browser.Evaluate(
                $"(function () {{ var r = document.getElementById('{id}').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()");
            return (r[0].GetDouble(), r[1].GetDouble());
        }

        Assert.True(TipHidden());
        foreach (var (box, node) in new[] { ("ag-n0", e.GradFn!), ("ag-n2", loss.GradFn!) })
        {
            var (x, y) = Centre(box);
            browser.MoveMouse(x, y);
            Assert.False(TipHidden(), $"hovering {box} at ({x}, {y}) left the tooltip hidden");
            string tip = Tip();
            Assert.Contains(node.Name, tip);
            Assert.All(node.Edges, edge => Assert.Contains(edge.Formula, tip));
            // Away from every box (the page's top-left corner, in its header): hidden again.
            browser.MoveMouse(2, 2);
            Assert.True(TipHidden(), $"leaving {box} did not hide the tooltip");
        }
    }
}
