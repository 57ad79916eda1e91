namespace FashionMnist;

/// <summary>A one-line progress bar with running loss, accuracy and throughput (redrawn in place on a terminal).</summary>
internal sealed class ProgressBar(int epoch, int epochs, int steps)
{
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private int _step;
    private int _lastPrinted = -1;

    public void Update(double loss, double accuracy, double imagesPerSecond)
    {
        _step++;
        int percent = steps == 0 ? 100 : _step * 100 / steps;
        // On a terminal redraw often; in a log print every 25% so CI output stays short.
        if (_interactive ? _step % 5 != 0 && _step != steps : percent / 25 == _lastPrinted / 25) return;
        _lastPrinted = percent;
        int filled = percent * 30 / 100;
        string bar = new string('#', filled) + new string('.', 30 - filled);
        string line = $"epoch {epoch}/{epochs} [{bar}] {percent,3}%  loss {loss:F4}  acc {accuracy:F4}  {imagesPerSecond:F0} img/s";
        if (_interactive) Console.Write("\r" + line);
        else Console.WriteLine(line);
    }

    public void Finish()
    {
        if (_interactive) Console.WriteLine();
    }
}
