using Signaling.Contracts;

namespace Signaling.Hub.Common;

/// <summary>
/// Recognizes the failure of a dependency a call needed (a shared store or backplane that cannot
/// be reached), so the caller hears <c>UNAVAILABLE</c> rather than an internal error.
/// Infrastructure registers one for each dependency it brings.
/// </summary>
public interface IOutageClassifier
{
    /// <summary>What is unreachable, when <paramref name="exception"/> says so; else null.</summary>
    string? Describe(Exception exception);
}

/// <summary>The registered <see cref="IOutageClassifier"/>s, asked by the hub and HTTP error mapping.</summary>
public sealed class Outages(IEnumerable<IOutageClassifier> classifiers)
{
    private readonly IOutageClassifier[] _classifiers = classifiers.ToArray();

    /// <summary>The refusal to report for <paramref name="exception"/>, when it is an outage.</summary>
    public RefusalException? AsRefusal(Exception exception)
    {
        foreach (var classifier in _classifiers)
        {
            if (classifier.Describe(exception) is { } what)
            {
                return new RefusalException(ErrorCodes.Unavailable, $"{what}; try again later");
            }
        }

        return null;
    }
}
