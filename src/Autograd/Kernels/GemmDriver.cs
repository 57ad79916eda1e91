using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Autograd.Kernels;

/// <summary>One GEMM problem: C[m×n] = op(A)·op(B) (+ C when <see cref="Accumulate"/>), row-major storage.</summary>
internal readonly record struct GemmProblem<T>(
    T[] A, int AOffset, int Lda, bool TransA,
    T[] B, int BOffset, int Ldb, bool TransB,
    T[] C, int COffset, int Ldc,
    int M, int N, int K, bool Accumulate);

/// <summary>
/// GotoBLAS/BLIS-style blocked GEMM around the micro-kernel <typeparamref name="TKernel"/>:
/// loops jc (NC) → pc (KC, pack B) → ic (MC, pack A) → jr (NR) → ir (MR) → micro-kernel.
/// </summary>
/// <remarks>
/// Threads split the rows or the columns of C into disjoint ranges; each thread packs its own panels.
/// The k-blocking depends only on k, and each element is reduced by the same micro-kernel chain wherever
/// its tile lies, so the result is bit-identical for any number of threads or scheduling order.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, INumberBase<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>Below this many multiply-adds a second thread costs more than it saves.</summary>
    private const long ParallelThreshold = 64L * 64 * 64;

    /// <summary>Bytes of slack so packed panels can start on a 64-byte boundary.</summary>
    private const int AlignBytes = 64;

    /// <summary>Runs <paramref name="g"/> on at most <paramref name="maxThreads"/> threads.</summary>
    public static void Run(in GemmProblem<T> g, int maxThreads)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int tilesM = (g.M + mr - 1) / mr, tilesN = (g.N + nr - 1) / nr;
        long work = (long)g.M * g.N * g.K;
        int threads = work < ParallelThreshold ? 1 : Math.Min(maxThreads, Math.Max(tilesM, tilesN));
        if (threads <= 1)
        {
            RunRange(g, 0, g.M, 0, g.N);
            return;
        }

        // Split the dimension with more tiles; ranges are whole tiles so only the last one has ragged edges.
        GemmProblem<T> p = g;
        bool splitN = tilesN >= tilesM;
        int tiles = splitN ? tilesN : tilesM;
        int perThread = (tiles + threads - 1) / threads;
        int chunks = (tiles + perThread - 1) / perThread;
        Parallel.For(0, chunks, t =>
        {
            if (splitN)
            {
                int j0 = t * perThread * nr;
                RunRange(p, 0, p.M, j0, Math.Min(p.N, j0 + perThread * nr));
            }
            else
            {
                int i0 = t * perThread * mr;
                RunRange(p, i0, Math.Min(p.M, i0 + perThread * mr), 0, p.N);
            }
        });
    }

    /// <summary>Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread.</summary>
    private static void RunRange(in GemmProblem<T> g, int i0, int i1, int j0, int j1)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcMax = Math.Min(TKernel.KC, g.K);
        int mcMax = Math.Min(TKernel.MC, RoundUp(i1 - i0, mr));
        int ncMax = Math.Min(TKernel.NC, RoundUp(j1 - j0, nr));
        int slack = AlignBytes / sizeof(T);
        T[] aBuf = ArrayPool<T>.Shared.Rent(mcMax * kcMax + slack);
        T[] bBuf = ArrayPool<T>.Shared.Rent(kcMax * ncMax + slack);
        T* edge = stackalloc T[TKernel.MR * TKernel.NR];
        try
        {
            fixed (T* aBase = g.A, bBase = g.B, cBase = g.C, aRaw = aBuf, bRaw = bBuf)
            {
                T* a = aBase + g.AOffset, b = bBase + g.BOffset, c = cBase + g.COffset;
                T* ap = Align(aRaw), bp = Align(bRaw);
                nint ldc = g.Ldc;
                for (int jc = j0; jc < j1; jc += TKernel.NC)
                {
                    int nc = Math.Min(TKernel.NC, j1 - jc);
                    for (int pc = 0; pc < g.K; pc += TKernel.KC)
                    {
                        int kc = Math.Min(TKernel.KC, g.K - pc);
                        bool addC = g.Accumulate || pc > 0;
                        GemmPacking.PackB(b, g.Ldb, g.TransB, pc, kc, jc, nc, nr, bp);
                        for (int ic = i0; ic < i1; ic += TKernel.MC)
                        {
                            int mc = Math.Min(TKernel.MC, i1 - ic);
                            GemmPacking.PackA(a, g.Lda, g.TransA, ic, mc, pc, kc, mr, ap);
                            for (int jr = 0; jr < nc; jr += nr)
                            {
                                int cols = Math.Min(nr, nc - jr);
                                T* bPanel = bp + (nint)jr * kc;
                                for (int ir = 0; ir < mc; ir += mr)
                                {
                                    int rows = Math.Min(mr, mc - ir);
                                    T* aPanel = ap + (nint)ir * kc;
                                    T* cTile = c + (ic + ir) * ldc + jc + jr;
                                    if (rows == mr && cols == nr)
                                        TKernel.Run(kc, aPanel, bPanel, cTile, ldc, addC);
                                    else
                                        EdgeTile(kc, aPanel, bPanel, cTile, ldc, rows, cols, addC, edge);
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(aBuf);
            ArrayPool<T>.Shared.Return(bBuf);
        }
    }

    /// <summary>
    /// A partial tile: the same micro-kernel writes a full MR×NR scratch tile, then the valid
    /// rows×cols corner is added to C, reproducing the full-tile arithmetic exactly.
    /// </summary>
    private static void EdgeTile(int kc, T* a, T* b, T* c, nint ldc, int rows, int cols, bool addC, T* scratch)
    {
        int nr = TKernel.NR;
        TKernel.Run(kc, a, b, scratch, nr, addC: false);
        for (int i = 0; i < rows; i++)
        {
            T* src = scratch + i * nr;
            T* dst = c + i * ldc;
            if (addC)
                for (int j = 0; j < cols; j++) dst[j] += src[j];
            else
                for (int j = 0; j < cols; j++) dst[j] = src[j];
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static T* Align(T* p) => (T*)(((nint)p + (AlignBytes - 1)) & ~(nint)(AlignBytes - 1));
}
