using System.Diagnostics;
using System.Globalization;

namespace Autograd.Benchmarks.Quick;

/// <summary>
/// Runs the shared tool ../shared/tools/peak-flops (relative to the repository root), which measures this machine's
/// FP32 fused-multiply-add peak over all cores and prints "peak_fp32_gflops N".
/// </summary>
internal static class PeakFlops
{
    /// <summary>
    /// The measured peak in GFLOP/s, the best of <paramref name="runs"/> runs since another process on the cores lowers
    /// it; null (with the reason in <paramref name="note"/>) when the tool is absent or fails.
    /// </summary>
    public static double? Measure(out string note, int runs = 3)
    {
        double? best = null;
        note = "";
        for (int i = 0; i < runs; i++)
        {
            double? peak = MeasureOnce(out note);
            if (peak is null) return null;
            best = Math.Max(best ?? 0, peak.Value);
        }
        return best;
    }

    private static double? MeasureOnce(out string note)
    {
        string? root = RepositoryRoot();
        if (root is null)
        {
            note = "repository root (Autograd.sln) not found from the working or application directory";
            return null;
        }
        string tool = Path.GetFullPath(Path.Combine(root, "..", "shared", "tools", "peak-flops"));
        if (!File.Exists(tool))
        {
            note = $"{tool} is absent";
            return null;
        }
        try
        {
            var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            foreach (var line in output.Split('\n'))
            {
                var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0] == "peak_fp32_gflops" &&
                    double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                {
                    note = tool;
                    return value;
                }
            }
            note = $"{tool} printed no 'peak_fp32_gflops N' line (exit code {process.ExitCode})";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            note = $"{tool} could not run: {e.Message}";
        }
        return null;
    }

    /// <summary>The nearest directory holding Autograd.sln, searching up from the working directory, then from the binary.</summary>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Autograd.sln")))
                    return dir.FullName;
        return null;
    }
}
