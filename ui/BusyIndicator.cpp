#include "BusyIndicator.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

namespace lens {

BusyIndicator::BusyIndicator(QWidget* parent)
    : QWidget(parent)
{
    m_label = new QLabel(this);
    m_bar = new QProgressBar(this);
    m_bar->setMaximumWidth(160);
    m_bar->setMaximumHeight(14);
    m_bar->setTextVisible(false);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setAutoRaise(true);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, this, &BusyIndicator::cancelRequested);
    hide();
}

void BusyIndicator::start(const QString& text, int total)
{
    m_running = true;
    m_label->setText(text);
    m_bar->setRange(0, total);
    m_bar->setValue(0);
    show();
}

void BusyIndicator::setProgress(int done, int total)
{
    m_bar->setRange(0, total);
    m_bar->setValue(done);
}

void BusyIndicator::stop()
{
    m_running = false;
    hide();
}

QString BusyIndicator::text() const
{
    return m_label->text();
}

} // namespace lens
