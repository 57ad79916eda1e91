using System.IO.Compression;

namespace FashionMnist;

/// <summary>
/// Draws line charts (one panel per metric) into an RGB image and writes it as PNG: signature, IHDR, one zlib
/// IDAT, IEND, each chunk with its CRC-32 (PNG specification, ISO/IEC 15948). No native dependencies.
/// </summary>
internal sealed class LineChartPng(int width, int height)
{
    private readonly byte[] _pixels = CreateWhite(width, height);

    private static byte[] CreateWhite(int w, int h)
    {
        var p = new byte[w * h * 3];
        Array.Fill(p, (byte)255);
        return p;
    }

    /// <summary>Draws text in the 5×7 pixel font.</summary>
    public void Text(string text, int x, int y, (byte R, byte G, byte B) color, int scale = 2) =>
        PixelFont.Draw(text, x, y, scale, (px, py) => Set(px, py, color));

    /// <summary>
    /// Plots series (values per epoch) into the rectangle, scaled to their joint range, with a frame, grid,
    /// a title above, the range's ends on the y axis and the epoch range on the x axis.
    /// </summary>
    public void Panel(int x0, int y0, int w, int h, string title, IReadOnlyList<(double[] Values, (byte R, byte G, byte B) Color)> series)
    {
        (byte, byte, byte) ink = (40, 40, 40);
        Text(title, x0 + (w - PixelFont.Width(title, 2)) / 2, y0 - 22, ink);
        int epochs = series.Max(s => s.Values.Length);
        Text("epoch", x0 + (w - PixelFont.Width("epoch", 2)) / 2, y0 + h + 22, ink);
        Text("1", x0 - 4, y0 + h + 8, ink, 1);
        Text(epochs.ToString(), x0 + w - PixelFont.Width(epochs.ToString(), 1) + 4, y0 + h + 8, ink, 1);
        var all = series.SelectMany(s => s.Values).Where(double.IsFinite).ToArray();
        if (all.Length == 0) return;
        double lo = all.Min(), hi = all.Max();
        if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
        double pad = (hi - lo) * 0.05;
        lo -= pad; hi += pad;
        string top = hi.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
        string bottom = lo.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
        Text(top, x0 - PixelFont.Width(top, 2) - 6, y0, ink);
        Text(bottom, x0 - PixelFont.Width(bottom, 2) - 6, y0 + h - 14, ink);
        for (int g = 0; g <= 4; g++)
        {
            int gy = y0 + h * g / 4;
            Line(x0, gy, x0 + w, gy, (225, 225, 225));
        }
        Line(x0, y0, x0 + w, y0, (0, 0, 0)); Line(x0, y0 + h, x0 + w, y0 + h, (0, 0, 0));
        Line(x0, y0, x0, y0 + h, (0, 0, 0)); Line(x0 + w, y0, x0 + w, y0 + h, (0, 0, 0));
        foreach (var (values, color) in series)
        {
            int n = values.Length;
            int Px(int i) => x0 + (n == 1 ? w / 2 : (int)Math.Round((double)i * w / (n - 1)));
            int Py(double v) => y0 + h - (int)Math.Round((v - lo) / (hi - lo) * h);
            for (int i = 0; i < n; i++)
            {
                if (i > 0) Line(Px(i - 1), Py(values[i - 1]), Px(i), Py(values[i]), color);
                Dot(Px(i), Py(values[i]), color);
            }
        }
    }

    private void Set(int x, int y, (byte R, byte G, byte B) c)
    {
        if ((uint)x >= (uint)width || (uint)y >= (uint)height) return;
        int o = (y * width + x) * 3;
        _pixels[o] = c.R; _pixels[o + 1] = c.G; _pixels[o + 2] = c.B;
    }

    private void Dot(int x, int y, (byte, byte, byte) c)
    {
        for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++) Set(x + dx, y + dy, c);
    }

    /// <summary>Bresenham line, two pixels thick.</summary>
    private void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) c)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Set(x0, y0, c); Set(x0 + 1, y0, c); Set(x0, y0 + 1, c);
            if (x0 == x1 && y0 == y1) return;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>Writes the image atomically (temp file, then rename).</summary>
    public void Save(string path)
    {
        var raw = new byte[height * (width * 3 + 1)];
        for (int y = 0; y < height; y++)
            Buffer.BlockCopy(_pixels, y * width * 3, raw, y * (width * 3 + 1) + 1, width * 3); // filter byte 0 per row
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
        var header = new byte[13];
        WriteBigEndian(header, 0, (uint)width);
        WriteBigEndian(header, 4, (uint)height);
        header[8] = 8; header[9] = 2; // 8-bit RGB
        string temp = path + ".tmp";
        using (var file = File.Create(temp))
        {
            file.Write([137, 80, 78, 71, 13, 10, 26, 10]);
            Chunk(file, "IHDR", header);
            Chunk(file, "IDAT", compressed.ToArray());
            Chunk(file, "IEND", []);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var buffer = new byte[12 + data.Length];
        WriteBigEndian(buffer, 0, (uint)data.Length);
        for (int i = 0; i < 4; i++) buffer[4 + i] = (byte)type[i];
        data.CopyTo(buffer, 8);
        WriteBigEndian(buffer, 8 + data.Length, Crc32(buffer.AsSpan(4, 4 + data.Length)));
        s.Write(buffer);
    }

    private static void WriteBigEndian(byte[] b, int o, uint v)
    {
        b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v;
    }

    /// <summary>CRC-32 (polynomial 0xEDB88320, reflected), as PNG chunks require.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
