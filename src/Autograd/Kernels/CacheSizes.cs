using System.Globalization;

namespace Autograd.Kernels;

/// <summary>
/// The core's cache sizes, for the blocking decisions that depend on them (as BLIS and OpenBLAS read them from the CPU).
/// Read once from Linux's sysfs (<c>/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}</c>); elsewhere, or when
/// the files are missing or unreadable, the sizes of the machine the constants were first tuned on (Zen 3) stand in.
/// </summary>
internal static class CacheSizes
{
    /// <summary>L2 per core in bytes when it cannot be read: Zen 3's 512 KiB.</summary>
    private const long FallbackL2 = 512 * 1024;

    /// <summary>The core's unified (or data) L2 in bytes.</summary>
    public static long L2 { get; } = Read(2) ?? FallbackL2;

    /// <summary>The size of the level-<paramref name="level"/> data or unified cache of cpu0, or null if unknown.</summary>
    private static long? Read(int level)
    {
        try
        {
            const string root = "/sys/devices/system/cpu/cpu0/cache";
            if (!Directory.Exists(root)) return null;
            foreach (var dir in Directory.EnumerateDirectories(root, "index*"))
            {
                if (File.ReadAllText(Path.Combine(dir, "level")).Trim() != level.ToString(CultureInfo.InvariantCulture)) continue;
                if (File.ReadAllText(Path.Combine(dir, "type")).Trim() is not ("Unified" or "Data")) continue;
                return Parse(File.ReadAllText(Path.Combine(dir, "size")));
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>sysfs's size text ("2048K", "1M", "512") in bytes, or null when it is not one.</summary>
    internal static long? Parse(string text)
    {
        text = text.Trim();
        long unit = text.EndsWith('K') ? 1024 : text.EndsWith('M') ? 1024 * 1024 : 1;
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0 ? n * unit : null;
    }
}
