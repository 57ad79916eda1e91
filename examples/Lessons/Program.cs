// The lessons of backpropagation, one command each:
//   dotnet run -c Release --project examples/Lessons -- <n>|all [--out DIR] [--data DIR]
// Each lesson prints its numbers (or derivation) and writes its pictures under DIR (default out/lessons/).
using Lessons;

string? which = null, output = Path.Combine("out", "lessons"), data = Autograd.NN.Data.FashionMnistFiles.DebianDirectory;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--data" when i + 1 < args.Length: data = args[++i]; break;
        default: which = args[i]; break;
    }
}
var lessons = Catalog.All;
if (which is null || (which != "all" && !lessons.Any(l => l.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) == which)))
{
    Console.Error.WriteLine("usage: Lessons <n>|all [--out DIR] [--data DIR]\n" +
        string.Join('\n', lessons.Select(l => $"  {l.Number,2}  {l.Title}")));
    return 2;
}
foreach (var lesson in lessons.Where(l => which == "all" || l.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) == which))
{
    string folder = Path.Combine(output, $"lesson{lesson.Number:00}");
    Directory.CreateDirectory(folder);
    Console.WriteLine($"\n=== Lesson {lesson.Number}: {lesson.Title} ===\n");
    var clock = System.Diagnostics.Stopwatch.StartNew();
    lesson.Run(new LessonContext(folder, data));
    Console.WriteLine($"\n(lesson {lesson.Number} took {clock.Elapsed.TotalSeconds:F1} s; pictures in {folder})");
}
return 0;
