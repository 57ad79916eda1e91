namespace Autograd.Testing;

// Convolution and pooling of x [N, C, H, W], written as coordinate loops.
public static partial class Naive
{
    /// <summary>y[n, o, i, j] = b[o] + Σ_{c,p,q} w[o, c, p, q]·x[n, c, i·s − pad + p·d, j·s − pad + q·d], terms that fall
    /// outside x left out (zero padding); output size (H + 2·pad − d·(k − 1) − 1)/s + 1 per axis.</summary>
    public static Nd Conv2d(Nd x, Nd w, Nd? b, (int H, int W) s, (int H, int W) pad, (int H, int W) d) => Conv2d(x, w, b, s, pad, d, 1);

    /// <summary>The same with <paramref name="groups"/>: output channel o reads input channels k·C/groups + c, c &lt;
    /// C/groups, for its group k = o / (O/groups), through w[o, c, ·, ·].</summary>
    public static Nd Conv2d(Nd x, Nd w, Nd? b, (int H, int W) s, (int H, int W) pad, (int H, int W) d, int groups)
    {
        int kh = w.Shape[2], kw = w.Shape[3], outPart = w.Shape[0] / groups;
        int[] shape = [x.Shape[0], w.Shape[0], (x.Shape[2] + 2 * pad.H - d.H * (kh - 1) - 1) / s.H + 1,
            (x.Shape[3] + 2 * pad.W - d.W * (kw - 1) - 1) / s.W + 1];
        var data = new double[TensorGen.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            var at = Coords(i, shape);
            int n = at[0], o = at[1], r = at[2], t = at[3];
            double sum = b?.Data[o] ?? 0;
            for (int c = 0; c < w.Shape[1]; c++)
                for (int p = 0; p < kh; p++)
                    for (int q = 0; q < kw; q++)
                    {
                        int h = r * s.H - pad.H + p * d.H, v = t * s.W - pad.W + q * d.W, channel = o / outPart * w.Shape[1] + c;
                        if (h >= 0 && h < x.Shape[2] && v >= 0 && v < x.Shape[3]) sum += w[o, c, p, q] * x[n, channel, h, v];
                    }
            data[i] = sum;
        }
        return new(data, shape);
    }

    /// <summary>Transposed convolution of x [N, C, H, W] with w [C, O, kh, kw]: each x[n, c, h, v] adds
    /// x·w[c, o, p, q] to y[n, o, h·s − pad + p·d, v·s − pad + q·d] where that lies inside y, whose size per axis is
    /// (H − 1)·s − 2·pad + d·(k − 1) + outPad + 1; then b[o].</summary>
    public static Nd ConvTranspose2d(Nd x, Nd w, Nd? b, (int H, int W) s, (int H, int W) pad, (int H, int W) outPad, (int H, int W) d) =>
        ConvTranspose2d(x, w, b, s, pad, outPad, d, 1);

    /// <summary>The same with <paramref name="groups"/>: input channel c, of group k = c / (C/groups), scatters through
    /// w[c, oc, ·, ·] into output channel k·(O/groups) + oc, oc &lt; O/groups = w's second dim.</summary>
    public static Nd ConvTranspose2d(Nd x, Nd w, Nd? b, (int H, int W) s, (int H, int W) pad, (int H, int W) outPad, (int H, int W) d, int groups)
    {
        int kh = w.Shape[2], kw = w.Shape[3], part = w.Shape[1], o = groups * part, inPart = x.Shape[1] / groups;
        int[] shape = [x.Shape[0], o, (x.Shape[2] - 1) * s.H - 2 * pad.H + d.H * (kh - 1) + outPad.H + 1,
            (x.Shape[3] - 1) * s.W - 2 * pad.W + d.W * (kw - 1) + outPad.W + 1];
        var data = new double[TensorGen.Count(shape)];
        for (int n = 0; n < x.Shape[0]; n++)
            for (int c = 0; c < x.Shape[1]; c++)
                for (int h = 0; h < x.Shape[2]; h++)
                    for (int v = 0; v < x.Shape[3]; v++)
                        for (int oc = 0; oc < part; oc++)
                            for (int p = 0; p < kh; p++)
                                for (int q = 0; q < kw; q++)
                                {
                                    int i = h * s.H - pad.H + p * d.H, j = v * s.W - pad.W + q * d.W, channel = c / inPart * part + oc;
                                    if (i >= 0 && i < shape[2] && j >= 0 && j < shape[3])
                                        data[((n * o + channel) * shape[2] + i) * shape[3] + j] += x[n, c, h, v] * w[c, oc, p, q];
                                }
        if (b is not null)
            for (int i = 0; i < data.Length; i++) data[i] += b.Data[i / (shape[2] * shape[3]) % o];
        return new(data, shape);
    }

    /// <summary>y[n, c, i, j] = f(the k.H·k.W values x[n, c, i·s − pad + p, j·s − pad + q]), a position in the padding
    /// reading <paramref name="padValue"/>; output size (H + 2·pad − k)/s + 1 per axis.</summary>
    public static Nd Pool2d(Nd x, (int H, int W) k, (int H, int W) s, (int H, int W) pad, double padValue, Func<double[], double> f)
    {
        int[] shape = [x.Shape[0], x.Shape[1], (x.Shape[2] + 2 * pad.H - k.H) / s.H + 1, (x.Shape[3] + 2 * pad.W - k.W) / s.W + 1];
        var data = new double[TensorGen.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            var c = Coords(i, shape);
            var window = new List<double>();
            for (int p = 0; p < k.H; p++)
                for (int q = 0; q < k.W; q++)
                {
                    int h = c[2] * s.H - pad.H + p, v = c[3] * s.W - pad.W + q;
                    window.Add(h >= 0 && h < x.Shape[2] && v >= 0 && v < x.Shape[3] ? x[c[0], c[1], h, v] : padValue);
                }
            data[i] = f([.. window]);
        }
        return new(data, shape);
    }
}
